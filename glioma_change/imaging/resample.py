"""One fixed grid per pair: isotropic spacing, fixed shape, centred on the later exam's brain.

Maps of every pair share spacing and shape without any distortion (no resizing of the field of
view): the grid is a crop of the later exam's space, oriented like that exam.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import SimpleITK as sitk

# A field of view (x, y, z in mm) that holds an adult brain with margin.
BRAIN_FOV_MM = (160.0, 192.0, 160.0)


def default_shape(spacing: float) -> tuple[int, int, int]:
    """Grid shape (D, H, W) = (z, y, x) holding `BRAIN_FOV_MM` at `spacing`, rounded up to a multiple of 8."""
    x, y, z = (int(np.ceil(fov / spacing / 8.0)) * 8 for fov in BRAIN_FOV_MM)
    return z, y, x


def brain_grid(reference: sitk.Image, mask: sitk.Image, spacing: float, shape: Sequence[int]) -> sitk.Image:
    """An empty float32 image on the output grid: `shape` (D, H, W) voxels of `spacing` mm, with the
    reference's direction, centred on the centroid of `mask`."""
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(sitk.Cast(mask > 0, sitk.sitkUInt8))
    centre = np.asarray(stats.GetCentroid(1))
    size = [int(s) for s in reversed(tuple(shape))]  # SimpleITK sizes are (x, y, z)
    direction = np.asarray(reference.GetDirection()).reshape(3, 3)
    half = (np.asarray(size) - 1) / 2.0 * spacing
    origin = centre - direction @ half
    grid = sitk.Image(size, sitk.sitkFloat32)
    grid.SetSpacing([float(spacing)] * 3)
    grid.SetDirection(reference.GetDirection())
    grid.SetOrigin(origin.tolist())
    return grid


def smooth_to_resolution(image: sitk.Image, fwhm_mm: float) -> sitk.Image:
    """Gaussian filter bringing every axis to an isotropic resolution of about `fwhm_mm` (each voxel
    counted as a FWHM of its spacing): anti-aliasing before downsampling, and resolution matching of
    two exams with different slice thickness."""
    sigmas = [np.sqrt(max(fwhm_mm**2 - s**2, 0.0)) / 2.355 for s in image.GetSpacing()]
    if max(sigmas) < 0.25 * min(image.GetSpacing()):  # a blur far below one voxel: nothing to anti-alias
        return image
    return sitk.SmoothingRecursiveGaussian(image, [float(max(s, 1e-3)) for s in sigmas])


def isotropic(image: sitk.Image, spacing: float) -> sitk.Image:
    """`image` on an isotropic grid of `spacing` mm covering the same field of view (same direction).

    Intensity images are anti-aliased (block averages over whole voxels of `spacing`, then a Gaussian
    filter) and linearly interpolated; masks (uint8) are thresholded at 0.5.
    """
    size = [max(2, int(round(n * s / spacing))) for n, s in zip(image.GetSize(), image.GetSpacing())]
    direction = np.asarray(image.GetDirection()).reshape(3, 3)
    first = np.asarray(image.TransformContinuousIndexToPhysicalPoint([-0.5] * 3))
    grid = sitk.Image(size, sitk.sitkFloat32)
    grid.SetSpacing([float(spacing)] * 3)
    grid.SetDirection(image.GetDirection())
    grid.SetOrigin((first + direction @ np.full(3, spacing / 2.0)).tolist())
    if image.GetPixelID() == sitk.sitkUInt8:
        return resample_mask(image, grid)
    # block averages first (one cheap pass), so the Gaussian anti-aliasing runs on the smaller image
    factors = [max(1, int(spacing / s)) for s in image.GetSpacing()]
    return resample_image(sitk.BinShrink(image, factors) if max(factors) > 1 else image, grid)


def resample_image(
    image: sitk.Image,
    grid: sitk.Image,
    transform: sitk.Transform | None = None,
    resolution_mm: float | None = None,
    smooth: bool = True,
) -> sitk.Image:
    """Resample an intensity image onto `grid` (linear), through `transform` if given, after smoothing it
    to `resolution_mm` (default: the grid spacing, i.e. anti-aliasing only; `smooth=False`: `image` is
    already smoothed)."""
    target = max(resolution_mm or 0.0, grid.GetSpacing()[0])
    source = sitk.Cast(image, sitk.sitkFloat32)
    source = smooth_to_resolution(source, target) if smooth else source
    return sitk.Resample(
        source, grid, transform or sitk.Transform(3, sitk.sitkIdentity), sitk.sitkLinear, 0.0, sitk.sitkFloat32
    )


def resample_mask(mask: sitk.Image, grid: sitk.Image, transform: sitk.Transform | None = None) -> sitk.Image:
    """Resample a binary mask onto `grid` (linear interpolation thresholded at 0.5)."""
    soft = sitk.Resample(
        sitk.Cast(mask, sitk.sitkFloat32),
        grid,
        transform or sitk.Transform(3, sitk.sitkIdentity),
        sitk.sitkLinear,
        0.0,
        sitk.sitkFloat32,
    )
    return sitk.Cast(soft >= 0.5, sitk.sitkUInt8)


def _matrix(transform: sitk.Transform | None) -> np.ndarray:
    """Linear part of a matrix-offset transform (affine, Euler); identity for None."""
    if transform is None:
        return np.eye(3)
    return np.asarray(transform.GetMatrix()).reshape(3, 3)  # type: ignore[attr-defined]


def resolution_on_grid(image: sitk.Image, grid: sitk.Image, transform: sitk.Transform | None = None) -> np.ndarray:
    """Resolution (FWHM, mm) of `image` along each axis of `grid` (x, y, z), its voxels seen through
    `transform` (points of `grid` → points of `image`), no finer than the grid spacing: a thick slice
    keeps its thickness along whatever grid axis it now lies."""
    psf = np.asarray(image.GetDirection()).reshape(3, 3) @ np.diag(np.square(image.GetSpacing()))
    psf = psf @ np.asarray(image.GetDirection()).reshape(3, 3).T  # covariance of one voxel, image space
    inverse = np.linalg.inv(_matrix(transform))
    axes = np.asarray(grid.GetDirection()).reshape(3, 3)
    on_grid = axes.T @ inverse @ psf @ inverse.T @ axes
    return np.maximum(np.sqrt(np.diag(on_grid)), np.asarray(grid.GetSpacing()))


def smooth_on_grid(image: sitk.Image, current: np.ndarray, target: np.ndarray) -> sitk.Image:
    """Gaussian smoothing along each grid axis taking resolution `current` (FWHM per axis, mm) to `target`."""
    sigmas = np.sqrt(np.maximum(np.square(target) - np.square(current), 0.0)) / 2.355
    if sigmas.max() < 0.2 * min(image.GetSpacing()):
        return image
    return sitk.SmoothingRecursiveGaussian(image, [float(max(s, 1e-3)) for s in sigmas])


def support(
    image: sitk.Image, grid: sitk.Image, transform: sitk.Transform | None = None, margin_mm: float = 0.0
) -> sitk.Image:
    """Voxels of `grid` inside `image`'s field of view (through `transform`), at least `margin_mm` from its edge."""
    shape: tuple[int, ...] = sitk.GetArrayViewFromImage(image).shape
    inner = np.zeros(shape, np.uint8)
    edge = [int(np.ceil(margin_mm / s)) for s in image.GetSpacing()[::-1]]  # (z, y, x)
    inner[tuple(slice(e, n - e) for e, n in zip(edge, shape))] = 1
    field = sitk.GetImageFromArray(inner)
    field.CopyInformation(image)
    return sitk.Resample(
        field, grid, transform or sitk.Transform(3, sitk.sitkIdentity), sitk.sitkNearestNeighbor, 0, sitk.sitkUInt8
    )


def cropped_fraction(mask: sitk.Image, grid: sitk.Image) -> float:
    """Fraction of the brain (by volume) that falls outside `grid`."""
    inside = resample_mask(mask, grid)
    volume_in = float(sitk.GetArrayViewFromImage(inside).sum()) * np.prod(grid.GetSpacing())
    volume = float(sitk.GetArrayViewFromImage(mask).sum()) * np.prod(mask.GetSpacing())
    return max(0.0, 1.0 - volume_in / volume) if volume > 0 else 0.0
