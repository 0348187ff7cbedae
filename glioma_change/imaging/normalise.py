"""Intensity normalisation computed inside the brain mask only (background stays zero).

`normalise` scales one image by its own statistics; `normalise_pair` brings the two exams of a pair
into the same units. Its `quantile` method first maps the earlier exam's intensities onto the later
exam's through their quantiles inside the common brain (histogram matching), so a change of scanner
(another contrast curve, another intensity scale) cancels, then z-scores both with the later exam's
statistics.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import SimpleITK as sitk

Method = Literal["zscore", "percentile", "quantile"]
METHODS: tuple[str, ...] = ("zscore", "percentile", "quantile")
# Quantile levels (%) matched by `quantile`: dense in the tails, the extremes included (no clamping).
MATCH_LEVELS = np.unique(np.concatenate([[0.0, 0.2, 0.5], np.arange(1.0, 100.0, 1.0), [99.5, 99.8, 100.0]]))


def _array(image: sitk.Image) -> np.ndarray:
    return sitk.GetArrayFromImage(image).astype(np.float32)


def _image(array: np.ndarray, reference: sitk.Image) -> sitk.Image:
    out = sitk.GetImageFromArray(array.astype(np.float32))
    out.CopyInformation(reference)
    return out


def _centre_scale(values: np.ndarray, method: str) -> tuple[float, float]:
    if values.size == 0:
        raise ValueError("empty brain mask: nothing to normalise")
    if method in ("zscore", "quantile"):
        return float(values.mean()), float(values.std())
    if method == "percentile":
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        return float(p50), float(p95 - p5)
    raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(METHODS)}")


def normalise(image: sitk.Image, mask: sitk.Image, method: Method = "zscore") -> sitk.Image:
    """Normalise intensities with statistics of the voxels inside `mask`; zero outside it.

    `zscore` (and `quantile`, alone): (x − mean) / std. `percentile`: (x − p50) / (p95 − p5), robust
    to a growing lesion.
    """
    array = _array(image)
    inside = sitk.GetArrayViewFromImage(mask) > 0
    centre, scale = _centre_scale(array[inside], method)
    return _image(np.where(inside, (array - centre) / max(scale, 1e-6), 0.0), image)


def match_quantiles(source: np.ndarray, reference: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """`source` mapped monotonically so that its quantiles inside `inside` become those of `reference`
    (piecewise linear between `MATCH_LEVELS`)."""
    levels_source = np.percentile(source[inside], MATCH_LEVELS)
    levels_reference = np.percentile(reference[inside], MATCH_LEVELS)
    spread = max(float(levels_source[-1] - levels_source[0]), 1e-6)
    levels_source = np.maximum.accumulate(levels_source + np.arange(MATCH_LEVELS.size) * 1e-9 * spread)
    return np.interp(source, levels_source, levels_reference).astype(np.float32)


def normalise_pair(
    a: sitk.Image, b: sitk.Image, mask: sitk.Image, method: Method = "quantile"
) -> tuple[sitk.Image, sitk.Image]:
    """The earlier exam `a` and the later `b` (same grid) in common units, zero outside `mask`.

    `zscore` / `percentile`: each exam by its own statistics inside `mask`. `quantile`: `a` is histogram
    matched onto `b` inside `mask`, then both are z-scored with `b`'s mean and standard deviation.
    """
    if method != "quantile":
        return normalise(a, mask, method), normalise(b, mask, method)
    x, y = _array(a), _array(b)
    inside = sitk.GetArrayViewFromImage(mask) > 0
    centre, scale = _centre_scale(y[inside], method)
    matched = match_quantiles(x, y, inside)
    scale = max(scale, 1e-6)
    return (
        _image(np.where(inside, (matched - centre) / scale, 0.0), a),
        _image(np.where(inside, (y - centre) / scale, 0.0), b),
    )
