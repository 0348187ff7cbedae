"""N4 bias-field correction, estimated on a shrunk image and applied at full resolution."""

from __future__ import annotations

from collections.abc import Sequence

import SimpleITK as sitk


def n4_correct(
    image: sitk.Image,
    mask: sitk.Image,
    shrink_mm: float = 10.0,
    iterations: Sequence[int] = (40, 30),
    convergence: float = 1e-4,
) -> sitk.Image:
    """Return `image` divided by the N4 bias field fitted inside `mask` on an image shrunk to voxels of
    about `shrink_mm` (N4's cost grows with the voxel count; the field is far smoother than 10 mm).

    The log bias field is a smooth B-spline: it is evaluated on a grid of half the fitting voxel size
    (`GetLogBiasFieldAsImage`) and interpolated linearly to the full-resolution grid, where it is
    applied (evaluating the B-spline at every voxel cost more than the fit).
    """
    image = sitk.Cast(image, sitk.sitkFloat32)
    positive = sitk.Maximum(image, 0.0) + 1e-3  # N4 works on log intensities
    factors = [max(1, min(int(round(shrink_mm / sp)), n // 16)) for sp, n in zip(image.GetSpacing(), image.GetSize())]
    small = sitk.Shrink(positive, factors)
    small_mask = sitk.Shrink(sitk.Cast(mask, sitk.sitkUInt8), factors)
    corrector = sitk.N4BiasFieldCorrectionImageFilter()
    corrector.SetMaximumNumberOfIterations([int(i) for i in iterations])
    corrector.SetConvergenceThreshold(convergence)
    corrector.Execute(small, small_mask)
    field_grid = sitk.Shrink(image, [max(1, f // 2) for f in factors])
    log_field = sitk.Resample(
        corrector.GetLogBiasFieldAsImage(field_grid),
        image,
        sitk.Transform(),
        sitk.sitkLinear,
        0.0,
        sitk.sitkFloat32,
        True,
    )
    return sitk.Cast(image / sitk.Exp(log_field), sitk.sitkFloat32)
