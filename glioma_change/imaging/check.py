"""Is a registration at the optimum? The failure check that `register.register_checked` runs on every pair.

Two measures on a coarse isotropic grid inside both brains, both insensitive to a change of scanner:
- `similarity`: Spearman rank correlation of the two images (low when grossly misaligned);
- `residual`: an estimate of how far the transform lies from the best alignment, by a Newton step on
  the same rank correlation. Each of the six rigid parameters (rotation about the fixed brain's centre,
  translation) is moved by ±`step`; with `S0, S+, S-` the similarities, the parabola through them peaks
  at `step * (S+ − S-) / (2 (2 S0 − S+ − S-))` from the transform. A parameter whose similarity does
  not bend down (curvature ≤ 0: not at a maximum) counts as `step`-far off at least. The rotation and
  translation estimates are the norms of the three angles and the three shifts.

A lesion that changed moves the similarity's optimum far less than a misregistration does, so the
estimate stays small on well-registered pairs with change. Thirteen evaluations on one fixed set of
voxels: a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from glioma_change.imaging.resample import isotropic


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds of the failure check (chosen by `benchmarks/bench_diffmaps.py`'s QC measurement)."""

    spacing_mm: float = 4.0  # grid of the similarity
    min_similarity: float = 0.75  # rank correlation below which a registration fails
    max_rotation_deg: float = 2.0  # estimated residual rotation above which it fails
    max_translation_mm: float = 2.0  # estimated residual translation above which it fails
    step_deg: float = 2.0
    step_mm: float = 2.0


@dataclass(frozen=True)
class Check:
    """The check of one transform: `failure` is empty when it passed."""

    similarity: float
    rotation_deg: float  # estimated residual rotation (inf: not at a maximum along some axis)
    translation_mm: float
    failure: str


def _ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values, kind="stable"), kind="stable").astype(np.float64)


def _rank_correlation(x_ranks: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x_ranks, _ranks(y))[0, 1])


class _Scorer:
    """Rank correlation of `fixed` and `moving` through transforms, on the voxels of `fixed`'s coarse grid
    inside both brains under `base` (one voxel set for every transform scored)."""

    def __init__(
        self,
        fixed: sitk.Image,
        moving: sitk.Image,
        base: sitk.Transform,
        fixed_mask: sitk.Image | None,
        moving_mask: sitk.Image | None,
        spacing_mm: float,
    ) -> None:
        self.grid, self.moving = isotropic(fixed, spacing_mm), moving
        inside = np.ones(self.grid.GetSize()[::-1], bool)
        if fixed_mask is not None:
            inside &= sitk.GetArrayFromImage(isotropic(fixed_mask, spacing_mm)) > 0
        if moving_mask is not None:
            mapped = sitk.Resample(sitk.Cast(moving_mask, sitk.sitkFloat32), self.grid, base, sitk.sitkLinear, 0.0)
            inside &= sitk.GetArrayViewFromImage(mapped) >= 0.5
        self.inside = inside
        self.fixed_ranks = _ranks(sitk.GetArrayViewFromImage(self.grid)[inside]) if inside.sum() >= 100 else None

    def __call__(self, transform: sitk.Transform) -> float:
        if self.fixed_ranks is None:
            return 0.0
        moved = sitk.Resample(self.moving, self.grid, transform, sitk.sitkLinear, 0.0, sitk.sitkFloat32)
        return _rank_correlation(self.fixed_ranks, sitk.GetArrayViewFromImage(moved)[self.inside])


def similarity(
    fixed: sitk.Image,
    moving: sitk.Image,
    transform: sitk.Transform,
    fixed_mask: sitk.Image | None,
    moving_mask: sitk.Image | None,
    spacing_mm: float = 4.0,
) -> float:
    """Spearman rank correlation of `fixed` and `moving` (through `transform`) on a `spacing_mm` grid inside
    both brains: insensitive to a change of scanner (any monotone contrast curve), low when misaligned."""
    return _Scorer(fixed, moving, transform, fixed_mask, moving_mask, spacing_mm)(transform)


def _homogeneous(transform: sitk.Transform) -> np.ndarray:
    matrix = np.asarray(transform.GetMatrix()).reshape(3, 3)  # type: ignore[attr-defined]
    centre = np.asarray(transform.GetCenter())  # type: ignore[attr-defined]
    out = np.eye(4)
    out[:3, :3] = matrix
    out[:3, 3] = centre + np.asarray(transform.GetTranslation()) - matrix @ centre  # type: ignore[attr-defined]
    return out


def perturbed(transform: sitk.Transform, rotation: sitk.Transform) -> sitk.AffineTransform:
    """`transform ∘ rotation` (apply `rotation`, a matrix-offset transform, first) as one affine transform."""
    h = _homogeneous(transform) @ _homogeneous(rotation)
    out = sitk.AffineTransform(3)
    out.SetMatrix(h[:3, :3].ravel().tolist())
    out.SetTranslation(h[:3, 3].tolist())
    return out


def _centre(image: sitk.Image, mask: sitk.Image | None) -> list[float]:
    """Centroid of `mask` (the image's centre without one): the centre of the rotations tried."""
    if mask is not None:
        stats = sitk.LabelShapeStatisticsImageFilter()
        stats.Execute(sitk.Cast(mask > 0, sitk.sitkUInt8))
        if stats.HasLabel(1):
            return list(stats.GetCentroid(1))
    return list(image.TransformContinuousIndexToPhysicalPoint([(n - 1) / 2.0 for n in image.GetSize()]))


def _newton(s0: float, plus: float, minus: float, step: float) -> float:
    curvature = 2.0 * s0 - plus - minus
    if curvature <= 0.0:
        return float("inf")
    return step * (plus - minus) / (2.0 * curvature)


def check(
    fixed: sitk.Image,
    moving: sitk.Image,
    transform: sitk.Transform,
    fixed_mask: sitk.Image | None,
    moving_mask: sitk.Image | None,
    settings: CheckSettings = CheckSettings(),
) -> Check:
    """Similarity and estimated residual error of `transform` (points of `fixed` → points of `moving`)."""
    score = _Scorer(fixed, moving, transform, fixed_mask, moving_mask, settings.spacing_mm)
    s0 = score(transform)
    centre = _centre(fixed, fixed_mask)
    offsets = []
    for axis in range(6):
        values = []
        for sign in (1.0, -1.0):
            angles = [0.0, 0.0, 0.0]
            shift = [0.0, 0.0, 0.0]
            if axis < 3:
                angles[axis] = sign * np.radians(settings.step_deg)
            else:
                shift[axis - 3] = sign * settings.step_mm
            values.append(score(perturbed(transform, sitk.Euler3DTransform(centre, *angles, shift))))
        plus, minus = values
        offsets.append(_newton(s0, plus, minus, settings.step_deg if axis < 3 else settings.step_mm))
    rotation = float(np.linalg.norm(offsets[:3]))
    translation = float(np.linalg.norm(offsets[3:]))
    reasons = []
    if s0 < settings.min_similarity:
        reasons.append(f"similarity {s0:.3f} < {settings.min_similarity:.2f}")
    if rotation > settings.max_rotation_deg:
        reasons.append(f"estimated residual rotation {rotation:.1f}° > {settings.max_rotation_deg:.1f}°")
    if translation > settings.max_translation_mm:
        reasons.append(f"estimated residual shift {translation:.1f} mm > {settings.max_translation_mm:.1f} mm")
    return Check(s0, rotation, translation, "; ".join(reasons))
