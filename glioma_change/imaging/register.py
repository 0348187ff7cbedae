"""Rigid then affine registration (Mattes MI, multi-resolution, seeded sampling) from robust starts, checked.

`register_checked` ranks rotation starts (`initialise.rotation_starts`), refines the best few at the
coarse levels, finishes the best (rigid, then affine) and checks the result (`check.check`: rank
correlation of the two brains and the estimated residual error); a pair failing the check is retried
from the next start, and the best attempt is returned with the reasons when none passes. Every step runs with one ITK thread (`one_itk_thread`):
ITK sums in parallel in a thread-dependent order, so only then are results identical to the bit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
import SimpleITK as sitk

from glioma_change.imaging.check import Check, CheckSettings, check, similarity
from glioma_change.imaging.initialise import moments_start, rotation_distance_deg, rotation_starts
from glioma_change.imaging.resample import isotropic


@contextmanager
def one_itk_thread() -> Iterator[None]:
    """Run the block with ITK's default number of threads set to one (restored afterwards)."""
    before = sitk.ProcessObject_GetGlobalDefaultNumberOfThreads()
    sitk.ProcessObject_SetGlobalDefaultNumberOfThreads(1)
    try:
        yield
    finally:
        sitk.ProcessObject_SetGlobalDefaultNumberOfThreads(before)


@dataclass(frozen=True)
class RegistrationSettings:
    """Knobs of one registration; the defaults suit T2 brain volumes of 1–4 mm voxels.

    Both images are first resampled (anti-aliased) to an isotropic working grid of
    `working_spacing_mm`, so the pyramid's shrink factors mean the same in every axis even for thick
    slices; each level samples about `samples` voxels of the fixed mask at seeded random positions.
    Starts: a rotation search over ±`search_steps * search_step_deg` degrees per axis on a
    `search_spacing_mm` grid; `refined_starts` of them are refined coarsely and the best finished.
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
    search_steps: int = 2  # rotation search: 2 * steps + 1 angles per axis (0: moments start only)
    search_step_deg: float = 15.0
    search_spacing_mm: float = 6.0
    refined_starts: int = 3  # starts refined at the coarse levels before the best is finished
    check: CheckSettings | None = field(default_factory=CheckSettings)  # None: no check, no retry
    max_attempts: int = 3  # starts finished while the check fails


def _method(settings: RegistrationSettings, seed: int, level: _Level) -> sitk.ImageRegistrationMethod:
    """Mattes MI on about `settings.samples` seeded random points of the level's fixed mask, regular-step
    gradient descent with physical-shift scales; one level (the pyramid is built once, `_pyramid`)."""
    region = level.fixed_mask if level.fixed_mask is not None else sitk.Image(level.fixed.GetSize(), sitk.sitkUInt8) + 1
    voxels = float(np.count_nonzero(sitk.GetArrayViewFromImage(region)))
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=settings.bins)
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(float(min(1.0, settings.samples / max(voxels, 1.0))), seed)
    if level.fixed_mask is not None:
        method.SetMetricFixedMask(level.fixed_mask)
    if level.moving_mask is not None:
        method.SetMetricMovingMask(level.moving_mask)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(
        learningRate=settings.learning_rate,
        minStep=settings.min_step,
        numberOfIterations=settings.iterations,
        relaxationFactor=0.6,
        gradientMagnitudeTolerance=1e-8,
    )
    method.SetOptimizerScalesFromPhysicalShift()
    return method


@dataclass(frozen=True)
class Registration:
    """A registration and its check: `failure` is empty when the result passed."""

    transform: sitk.AffineTransform
    similarity: float  # rank correlation of the two brains after registration (4 mm)
    similarity_before: float  # the same at the moments start (centres of mass aligned, no rotation)
    residual_rotation_deg: float  # the check's estimate of the residual error (nan without a check)
    residual_translation_mm: float
    attempts: int  # starts finished (1 when the first passed)
    start_rotation_deg: float  # rotation of the start that was kept
    failure: str


@dataclass(frozen=True)
class _Level:
    """Both images (float32) and masks at one resolution of the pyramid."""

    fixed: sitk.Image
    moving: sitk.Image
    fixed_mask: sitk.Image | None
    moving_mask: sitk.Image | None


def _working(
    fixed: sitk.Image,
    moving: sitk.Image,
    fixed_mask: sitk.Image | None,
    moving_mask: sitk.Image | None,
    settings: RegistrationSettings,
) -> _Level:
    """Both images (float32) and masks on the isotropic working grid (the pyramid's finest level)."""
    images = [fixed, moving, fixed_mask, moving_mask]
    if settings.working_spacing_mm is not None:
        images = [isotropic(image, settings.working_spacing_mm) if image is not None else None for image in images]
    f, m, fm, mm = images
    return _Level(sitk.Cast(f, sitk.sitkFloat32), sitk.Cast(m, sitk.sitkFloat32), fm, mm)


def _smooth(image: sitk.Image, sigma_mm: float) -> sitk.Image:
    return sitk.SmoothingRecursiveGaussian(image, float(sigma_mm)) if sigma_mm > 0 else image


def _shrink(image: sitk.Image, factor: int) -> sitk.Image:
    return sitk.Shrink(image, [int(factor)] * 3) if factor > 1 else image


def _pyramid(work: _Level, settings: RegistrationSettings) -> list[_Level]:
    """The levels of `settings` (coarsest first) from the working grid: images smoothed then shrunk once for
    every stage, masks shrunk."""
    return [
        _Level(
            _shrink(_smooth(work.fixed, sigma), factor),
            _shrink(_smooth(work.moving, sigma), factor),
            None if work.fixed_mask is None else _shrink(work.fixed_mask, factor),
            None if work.moving_mask is None else _shrink(work.moving_mask, factor),
        )
        for factor, sigma in zip(settings.shrink_factors, settings.smoothing_mm)
    ]


def _optimise(level: _Level, transform: sitk.Transform, settings: RegistrationSettings, seed: int) -> None:
    method = _method(settings, seed, level)
    method.SetInitialTransform(transform, inPlace=True)
    method.Execute(level.fixed, level.moving)


def _as_affine(rigid: sitk.Euler3DTransform) -> sitk.AffineTransform:
    affine = sitk.AffineTransform(3)
    affine.SetCenter(rigid.GetCenter())
    affine.SetMatrix(rigid.GetMatrix())
    affine.SetTranslation(rigid.GetTranslation())
    return affine


def _finish(
    levels: list[_Level], rigid: sitk.Euler3DTransform, settings: RegistrationSettings, seed: int
) -> sitk.AffineTransform:
    """The middle rigid levels from a coarse rigid result (the finest too without the affine stage), then
    the affine refinement at the finest level."""
    for index, level in enumerate(levels[1:-1] if settings.affine else levels[1:]):
        _optimise(level, rigid, settings, seed + index)
    affine = _as_affine(rigid)
    if settings.affine:  # the affine stage only refines: the finest level, smaller steps
        fine = replace(settings, iterations=settings.iterations // 2, learning_rate=settings.learning_rate / 4)
        _optimise(levels[-1], affine, fine, seed + len(levels))
    return affine


def _ranked_coarse(levels: list[_Level], settings: RegistrationSettings, seed: int) -> list[sitk.Euler3DTransform]:
    """The rotation starts refined at the coarsest level, best final metric first (then the other starts)."""
    work, coarse = levels[-1], levels[0]
    if settings.search_steps > 0:
        starts = rotation_starts(
            work.fixed,
            work.moving,
            work.fixed_mask,
            work.moving_mask,
            spacing_mm=settings.search_spacing_mm,
            step_deg=settings.search_step_deg,
            steps=settings.search_steps,
            keep=max(settings.refined_starts, settings.max_attempts),
        )
    else:
        starts = [moments_start(work.fixed, work.moving, work.fixed_mask, work.moving_mask)]
    refined = []
    for index, start in enumerate(starts[: max(1, settings.refined_starts)]):
        rigid = sitk.Euler3DTransform(start)
        _optimise(coarse, rigid, settings, seed + 10 * index)
        metric = final_metric(coarse.fixed, coarse.moving, rigid, coarse.fixed_mask, settings.bins)
        refined.append((metric, index, rigid))
    refined.sort(key=lambda item: (item[0], item[1]))
    return [rigid for _, _, rigid in refined] + list(starts[max(1, settings.refined_starts) :])


def register_checked(
    fixed: sitk.Image,
    moving: sitk.Image,
    fixed_mask: sitk.Image | None = None,
    moving_mask: sitk.Image | None = None,
    seed: int = 0,
    settings: RegistrationSettings = RegistrationSettings(),
) -> Registration:
    """Register `moving` onto `fixed` (transform maps points of `fixed` onto `moving`) from the best start,
    retrying from the next starts while `settings.check` fails; the best attempt (passing first, then
    by similarity) is returned with the reasons of its failure, if any."""
    with one_itk_thread():
        levels = _pyramid(_working(fixed, moving, fixed_mask, moving_mask, settings), settings)
        work = levels[-1]
        ranked = _ranked_coarse(levels, settings, seed)
        origin = moments_start(work.fixed, work.moving, work.fixed_mask, work.moving_mask)
        nan = float("nan")
        if settings.check is None:
            transform = _finish(levels, sitk.Euler3DTransform(ranked[0]), settings, seed)
            return Registration(transform, nan, nan, nan, nan, 1, rotation_distance_deg(ranked[0], origin), "")
        before = similarity(work.fixed, work.moving, origin, work.fixed_mask, work.moving_mask)
        best = None
        attempts = 0
        for index, start in enumerate(ranked[: max(1, settings.max_attempts)]):
            attempts += 1
            transform = _finish(levels, sitk.Euler3DTransform(start), settings, seed + 100 * index)
            result = check(work.fixed, work.moving, transform, work.fixed_mask, work.moving_mask, settings.check)
            key = (not result.failure, result.similarity)
            if best is None or key > best[0]:
                best = (key, result, transform, start)
            if not result.failure:
                break
        assert best is not None
        _, result, transform, start = best
        failure = f"{result.failure} after {attempts} start(s)" if result.failure else ""
        return Registration(
            transform,
            result.similarity,
            before,
            result.rotation_deg,
            result.translation_mm,
            attempts,
            rotation_distance_deg(start, origin),
            failure,
        )


def check_transform(
    fixed: sitk.Image,
    moving: sitk.Image,
    transform: sitk.Transform,
    fixed_mask: sitk.Image | None = None,
    moving_mask: sitk.Image | None = None,
    settings: RegistrationSettings = RegistrationSettings(),
) -> Check:
    """The failure check of `transform` exactly as `register_checked` runs it (on the working grid)."""
    with one_itk_thread():
        work = _working(fixed, moving, fixed_mask, moving_mask, settings)
        return check(
            work.fixed, work.moving, transform, work.fixed_mask, work.moving_mask, settings.check or CheckSettings()
        )


def register(
    fixed: sitk.Image,
    moving: sitk.Image,
    fixed_mask: sitk.Image | None = None,
    moving_mask: sitk.Image | None = None,
    seed: int = 0,
    settings: RegistrationSettings = RegistrationSettings(),
) -> sitk.AffineTransform:
    """Transform mapping points of `fixed` onto `moving` (SimpleITK resampling convention), from the best
    start, unchecked (`register_checked` without a check)."""
    return register_checked(fixed, moving, fixed_mask, moving_mask, seed, replace(settings, check=None)).transform


def final_metric(
    fixed: sitk.Image,
    moving: sitk.Image,
    transform: sitk.Transform,
    fixed_mask: sitk.Image | None = None,
    bins: int = 32,
) -> float:
    """Mattes mutual information (negative: lower is better) of `moving` through `transform`, all voxels."""
    with one_itk_thread():
        method = sitk.ImageRegistrationMethod()
        method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=bins)
        method.SetMetricSamplingStrategy(method.NONE)
        if fixed_mask is not None:
            method.SetMetricFixedMask(fixed_mask)
        method.SetInterpolator(sitk.sitkLinear)
        method.SetInitialTransform(transform)
        return float(method.MetricEvaluate(sitk.Cast(fixed, sitk.sitkFloat32), sitk.Cast(moving, sitk.sitkFloat32)))
