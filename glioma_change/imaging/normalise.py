"""Intensity normalisation computed inside the brain mask only (background stays zero)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import SimpleITK as sitk

Method = Literal["zscore", "percentile"]
METHODS: tuple[str, ...] = ("zscore", "percentile")


def normalise(image: sitk.Image, mask: sitk.Image, method: Method = "zscore") -> sitk.Image:
    """Normalise intensities with statistics of the voxels inside `mask`; zero outside it.

    `zscore`: (x − mean) / std. `percentile`: (x − p50) / (p95 − p5), robust to a growing lesion.
    """
    array = sitk.GetArrayFromImage(image).astype(np.float32)
    inside = sitk.GetArrayViewFromImage(mask) > 0
    values = array[inside]
    if values.size == 0:
        raise ValueError("empty brain mask: nothing to normalise")
    if method == "zscore":
        centre, scale = float(values.mean()), float(values.std())
    elif method == "percentile":
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        centre, scale = float(p50), float(p95 - p5)
    else:
        raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(METHODS)}")
    out = np.where(inside, (array - centre) / max(scale, 1e-6), 0.0).astype(np.float32)
    result = sitk.GetImageFromArray(out)
    result.CopyInformation(image)
    return result
