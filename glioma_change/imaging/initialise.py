"""Starting points for registration when the head may have turned by up to 30° between two sessions.

Moments (centres of mass of the masked brains) give the translation; a coarse exhaustive search over
Euler angles on a low-resolution grid, with the full Mattes mutual information (every voxel, so no
randomness), ranks rotations about the fixed brain's centre. The best few distinct rotations are the
starts that `register` refines; the others serve as retries when a registration fails its check.
"""

from __future__ import annotations

import math

import numpy as np
import SimpleITK as sitk

from glioma_change.imaging.resample import isotropic


def masked(image: sitk.Image, mask: sitk.Image | None) -> sitk.Image:
    """`image` with zeros outside `mask` (the image itself when there is no mask)."""
    return sitk.Mask(image, mask) if mask is not None else image


def moments_start(
    fixed: sitk.Image, moving: sitk.Image, fixed_mask: sitk.Image | None, moving_mask: sitk.Image | None
) -> sitk.Euler3DTransform:
    """Rigid transform aligning the centres of mass of the two masked images, no rotation."""
    return sitk.Euler3DTransform(
        sitk.CenteredTransformInitializer(
            masked(fixed, fixed_mask),
            masked(moving, moving_mask),
            sitk.Euler3DTransform(),
            sitk.CenteredTransformInitializerFilter.MOMENTS,
        )
    )


def rotation_distance_deg(a: sitk.Euler3DTransform, b: sitk.Euler3DTransform) -> float:
    """Angle (degrees) of the rotation taking `a`'s rotation to `b`'s."""
    ra = np.asarray(a.GetMatrix()).reshape(3, 3)
    rb = np.asarray(b.GetMatrix()).reshape(3, 3)
    cosine = (np.trace(ra.T @ rb) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def rotation_starts(
    fixed: sitk.Image,
    moving: sitk.Image,
    fixed_mask: sitk.Image | None,
    moving_mask: sitk.Image | None,
    spacing_mm: float = 6.0,
    step_deg: float = 15.0,
    steps: int = 2,
    bins: int = 24,
    keep: int = 4,
    min_separation_deg: float = 10.0,
) -> list[sitk.Euler3DTransform]:
    """Up to `keep` rigid starts, best first: every Euler angle triple on a grid of `2 * steps + 1` values
    of `step_deg` per axis (±30° by default) about the moments start, scored by Mattes MI on
    `spacing_mm` isotropic copies of the images; a start closer than `min_separation_deg` to a better
    one is dropped. Deterministic: full sampling, no random numbers."""
    start = moments_start(fixed, moving, fixed_mask, moving_mask)
    small = [
        isotropic(image, spacing_mm) if image is not None else None
        for image in (fixed, moving, fixed_mask, moving_mask)
    ]
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=bins)
    method.SetMetricSamplingStrategy(method.NONE)
    if small[2] is not None:
        method.SetMetricFixedMask(small[2])
    if small[3] is not None:
        method.SetMetricMovingMask(small[3])
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsExhaustive([steps] * 3 + [0] * 3, stepLength=math.radians(step_deg))
    method.SetOptimizerScales([1.0] * 6)
    method.SetInitialTransform(start, inPlace=False)
    scored: list[tuple[float, tuple[float, ...]]] = []
    method.AddCommand(
        sitk.sitkIterationEvent, lambda: scored.append((method.GetMetricValue(), tuple(method.GetOptimizerPosition())))
    )
    method.Execute(sitk.Cast(small[0], sitk.sitkFloat32), sitk.Cast(small[1], sitk.sitkFloat32))
    scored.sort(key=lambda item: (item[0], item[1]))  # ties broken by the parameters: a fixed order
    starts: list[sitk.Euler3DTransform] = []
    for _, parameters in scored:
        candidate = sitk.Euler3DTransform(start)
        candidate.SetParameters(parameters)
        if all(rotation_distance_deg(candidate, kept) >= min_separation_deg for kept in starts):
            starts.append(candidate)
        if len(starts) == keep:
            break
    return starts or [start]
