"""Simulate one MRI acquisition of the head: rigid motion, thick slices (along any axis), bias field, Rician noise.

Motion convention (docs/INTERFACES.md): the session image is `I_s(x) = Head(T_s(x))` for every
physical point `x` of the session grid (LPS), with `T_s = Euler3DTransform(centre, rx, ry, rz, t)`.
"""

from __future__ import annotations

import math

import numpy as np
import SimpleITK as sitk

from glioma_change.synth.plan import Acquisition, Motion

SLAB_SAMPLES = 3  # sub-slices averaged into one thick slice (partial volume across the slice)


def motion_transform(motion: Motion, centre: tuple[float, float, float]) -> sitk.Euler3DTransform:
    """`T_s`: maps points of the session grid to head (template) space."""
    rx, ry, rz = (math.radians(a) for a in motion.rot_deg)
    return sitk.Euler3DTransform(centre, rx, ry, rz, motion.trans_mm)


def session_grid(acq: Acquisition, centre: tuple[float, float, float]) -> sitk.Image:
    """Empty axial image (identity direction, LPS) of the session's size and spacing, centred near the head."""
    grid = sitk.Image([int(s) for s in acq.size], sitk.sitkUInt8)
    grid.SetSpacing(acq.spacing)
    origin = [c + d - (n - 1) * s / 2.0 for c, d, n, s in zip(centre, acq.fov_shift_mm, acq.size, acq.spacing)]
    grid.SetOrigin(origin)
    return grid


def _thick_slices(head: sitk.Image, grid: sitk.Image, transform: sitk.Transform, axis: int = 2) -> np.ndarray:
    """Resample the head onto the grid, each slice (across `axis`: 0 x, 1 y, 2 z) the mean of
    `SLAB_SAMPLES` planes across its thickness."""
    k = SLAB_SAMPLES
    size, spacing, origin = list(grid.GetSize()), list(grid.GetSpacing()), list(grid.GetOrigin())
    thick = spacing[axis]
    size[axis] *= k
    spacing[axis] = thick / k
    origin[axis] += -thick / 2.0 + thick / (2.0 * k)
    fine = sitk.Image(size, sitk.sitkUInt8)
    fine.SetSpacing(spacing)
    fine.SetOrigin(origin)
    out = sitk.Resample(head, fine, transform, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
    arr = sitk.GetArrayViewFromImage(out)  # (z, y, x)
    shape = list(arr.shape)
    along = 2 - axis
    shape[along : along + 1] = [grid.GetSize()[axis], k]
    return arr.reshape(shape).mean(axis=along + 1)


def _bias_field(shape: tuple[int, int, int], coeffs: tuple[float, ...], strength: float) -> np.ndarray:
    """Smooth multiplicative field: exp of a quadratic polynomial, peak-to-peak `strength` in log units."""
    w, v, u = (np.linspace(-1.0, 1.0, n, dtype=np.float32) for n in shape)
    w, v, u = w[:, None, None], v[None, :, None], u[None, None, :]
    terms = [u, v, w, u * u, v * v, w * w, u * v, u * w, v * w]
    log_bias = sum(c * t for c, t in zip(coeffs, terms))
    log_bias = np.broadcast_to(log_bias, shape)
    span = float(log_bias.max() - log_bias.min()) or 1.0
    return np.exp((log_bias - log_bias.mean()) * (strength / span)).astype(np.float32)


def acquire(
    head: sitk.Image,
    acq: Acquisition,
    motion: Motion,
    centre: tuple[float, float, float],
    *,
    bias_strength: float,
    noise_sigma: float,
    g: np.random.Generator,
) -> sitk.Image:
    """The session's magnitude image (float32, in the head's units) on its own grid."""
    grid = session_grid(acq, centre)
    signal = _thick_slices(head, grid, motion_transform(motion, centre), acq.slice_axis)
    signal *= _bias_field(signal.shape, acq.bias_coeffs, bias_strength)
    real = signal + g.normal(0.0, noise_sigma, signal.shape).astype(np.float32)
    imag = g.normal(0.0, noise_sigma, signal.shape).astype(np.float32)
    image = sitk.GetImageFromArray(np.sqrt(real * real + imag * imag))  # Rician magnitude
    image.CopyInformation(grid)
    return image


def resample_labels(
    labels: sitk.Image, acq: Acquisition, motion: Motion, centre: tuple[float, float, float]
) -> sitk.Image:
    """A label map of head space seen on the session grid (nearest neighbour)."""
    grid = session_grid(acq, centre)
    return sitk.Resample(labels, grid, motion_transform(motion, centre), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8)
