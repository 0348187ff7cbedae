"""The maps of one registered pair on its output grid: resample, match resolution, keep what both exams
saw, normalise, subtract; plus the QC values that need the maps (before and after registration)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from glioma_change.imaging import normalise, qc, resample, subtract


@dataclass(frozen=True)
class PairMaps:
    """Everything on the output grid: normalised exams, signed and absolute maps, where the map is defined."""

    a: sitk.Image  # earlier exam, registered and normalised
    b: sitk.Image  # later exam, normalised
    signed: sitk.Image  # B − A
    absolute: sitk.Image
    defined: sitk.Image  # brain of both exams inside both fields of view (uint8)
    metrics: dict[str, float]


def build_maps(
    a_image: sitk.Image,
    a_mask: sitk.Image,
    b_image: sitk.Image,
    b_mask: sitk.Image,
    transform: sitk.Transform,
    grid: sitk.Image,
    normalisation: normalise.Method = "quantile",
    match_resolution: bool = True,
) -> PairMaps:
    """Maps of B − A on `grid` (A through `transform`: points of B → points of A).

    With `match_resolution`, each exam is smoothed along each grid axis to the coarser resolution of the
    two there (thick slices of A and B may lie along different axes). The map is defined where both
    brains are and both fields of view saw, shrunk by the smoothing width (a cut vertex leaves no edge).
    """
    spacing = grid.GetSpacing()[0]
    a_smooth = resample.smooth_to_resolution(sitk.Cast(a_image, sitk.sitkFloat32), spacing)  # anti-aliasing
    a_grid = resample.resample_image(a_smooth, grid, transform, smooth=False)
    b_grid = resample.resample_image(b_image, grid)
    a_unreg = resample.resample_image(a_smooth, grid, smooth=False)
    margin = spacing
    if match_resolution:
        res_a, res_b = resample.resolution_on_grid(a_image, grid, transform), resample.resolution_on_grid(b_image, grid)
        target = np.maximum(res_a, res_b)
        a_grid = resample.smooth_on_grid(a_grid, res_a, target)
        b_grid = resample.smooth_on_grid(b_grid, res_b, target)
        a_unreg = resample.smooth_on_grid(a_unreg, resample.resolution_on_grid(a_image, grid), target)
        margin = float(target.max())
    mask_b = resample.resample_mask(b_mask, grid)
    mask_a = resample.resample_mask(a_mask, grid, transform)
    seen = resample.support(a_image, grid, transform, margin) & resample.support(b_image, grid, None, margin)
    defined = mask_b & mask_a & seen
    a_norm, b_norm = normalise.normalise_pair(a_grid, b_grid, defined, normalisation)
    signed, absolute = subtract.difference_maps(a_norm, b_norm, defined)

    # the same without registration: how much the registration removed
    unreg = mask_b & resample.resample_mask(a_mask, grid) & resample.support(a_image, grid, None, margin) & seen
    a_unreg_norm, b_unreg_norm = normalise.normalise_pair(a_unreg, b_grid, unreg, normalisation)
    unregistered, _ = subtract.difference_maps(a_unreg_norm, b_unreg_norm, unreg)
    seen_b = mask_b & seen
    brain_b = float(sitk.GetArrayViewFromImage(mask_b).sum())
    metrics = {
        "correlation_before": qc.correlation(a_unreg_norm, b_unreg_norm, unreg),
        "correlation_after": qc.correlation(a_norm, b_norm, defined),
        "mean_absdiff_before": qc.mean_abs_inside(unregistered, unreg),
        "mean_absdiff_after": qc.mean_abs_inside(signed, defined),
        "brain_voxels": int(sitk.GetArrayViewFromImage(defined).sum()),
        "dice": qc.dice(mask_a & seen, seen_b),
        "no_data_fraction": 1.0 - float(sitk.GetArrayViewFromImage(seen_b).sum()) / max(brain_b, 1.0),
    }
    return PairMaps(a_norm, b_norm, signed, absolute, defined, metrics)
