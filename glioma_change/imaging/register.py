"""Rigid then affine registration (Mattes MI, multi-resolution, moments initialisation, seeded sampling)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import SimpleITK as sitk

from glioma_change.imaging.resample import isotropic


@dataclass(frozen=True)
class RegistrationSettings:
    """Knobs of one registration; the defaults suit T2 brain volumes of 1–4 mm voxels.

    Both images are first resampled (anti-aliased) to an isotropic working grid of
    `working_spacing_mm`, so the pyramid's shrink factors mean the same in every axis even for thick
    slices; each level samples about `samples` voxels of the fixed mask at seeded random positions.
    """

    working_spacing_mm: float | None = 2.0  # None: register on the images' own grids
    shrink_factors: Sequence[int] = (4, 2, 1)
    smoothing_mm: Sequence[float] = (3.0, 1.5, 0.0)
    iterations: int = 100
    bins: int = 32
    samples: int = 20000
    learning_rate: float = 1.0
    min_step: float = 1e-4
    affine: bool = True


def _sampling(settings: RegistrationSettings, fixed: sitk.Image, fixed_mask: sitk.Image | None) -> list[float]:
    """Per-level sampling fractions giving about `settings.samples` points inside the fixed mask."""
    region = fixed_mask if fixed_mask is not None else sitk.Image(fixed.GetSize(), sitk.sitkUInt8) + 1
    voxels = float(np.count_nonzero(sitk.GetArrayViewFromImage(region)))
    return [float(min(1.0, settings.samples * f**3 / max(voxels, 1.0))) for f in settings.shrink_factors]


def _method(settings: RegistrationSettings, seed: int, fixed: sitk.Image, fixed_mask: sitk.Image | None,
            moving_mask: sitk.Image | None) -> sitk.ImageRegistrationMethod:
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=settings.bins)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentagePerLevel(_sampling(settings, fixed, fixed_mask), seed)
    if fixed_mask is not None:
        method.SetMetricFixedMask(fixed_mask)
    if moving_mask is not None:
        method.SetMetricMovingMask(moving_mask)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(
        learningRate=settings.learning_rate,
        minStep=settings.min_step,
        numberOfIterations=settings.iterations,
        relaxationFactor=0.6,
        gradientMagnitudeTolerance=1e-8,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel(list(settings.shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(settings.smoothing_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    return method


def register(
    fixed: sitk.Image,
    moving: sitk.Image,
    fixed_mask: sitk.Image | None = None,
    moving_mask: sitk.Image | None = None,
    seed: int = 0,
    settings: RegistrationSettings = RegistrationSettings(),
) -> sitk.AffineTransform:
    """Transform mapping points of `fixed` onto `moving` (SimpleITK resampling convention).

    Rigid (Euler 3D) initialised by image moments, then affine initialised by the rigid result; both
    multi-resolution with Mattes mutual information sampled at random positions seeded by `seed`.
    """
    if settings.working_spacing_mm is not None:
        fixed, moving, fixed_mask, moving_mask = (
            isotropic(image, settings.working_spacing_mm) if image is not None else None
            for image in (fixed, moving, fixed_mask, moving_mask)
        )
    fixed, moving = sitk.Cast(fixed, sitk.sitkFloat32), sitk.Cast(moving, sitk.sitkFloat32)
    init_fixed = sitk.Mask(fixed, fixed_mask) if fixed_mask is not None else fixed
    init_moving = sitk.Mask(moving, moving_mask) if moving_mask is not None else moving
    rigid = sitk.CenteredTransformInitializer(
        init_fixed, init_moving, sitk.Euler3DTransform(), sitk.CenteredTransformInitializerFilter.MOMENTS
    )
    method = _method(settings, seed, fixed, fixed_mask, moving_mask)
    method.SetInitialTransform(rigid, inPlace=True)
    method.Execute(fixed, moving)

    affine = sitk.AffineTransform(3)
    affine.SetCenter(rigid.GetCenter())
    affine.SetMatrix(rigid.GetMatrix())
    affine.SetTranslation(rigid.GetTranslation())
    if not settings.affine:
        return affine
    # The affine stage only refines: start at the finest two levels of the pyramid.
    fine = replace(
        settings,
        shrink_factors=tuple(settings.shrink_factors)[-2:],
        smoothing_mm=tuple(settings.smoothing_mm)[-2:],
        iterations=settings.iterations // 2,
        learning_rate=settings.learning_rate / 4,
    )
    method = _method(fine, seed + 1, fixed, fixed_mask, moving_mask)
    method.SetInitialTransform(affine, inPlace=True)
    method.Execute(fixed, moving)
    return affine


def final_metric(fixed: sitk.Image, moving: sitk.Image, transform: sitk.Transform,
                 fixed_mask: sitk.Image | None = None, bins: int = 32) -> float:
    """Mattes mutual information (negative: lower is better) of `moving` through `transform`, all voxels."""
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=bins)
    method.SetMetricSamplingStrategy(method.NONE)
    if fixed_mask is not None:
        method.SetMetricFixedMask(fixed_mask)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetInitialTransform(transform)
    return float(method.MetricEvaluate(sitk.Cast(fixed, sitk.sitkFloat32), sitk.Cast(moving, sitk.sitkFloat32)))
