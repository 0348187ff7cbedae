"""Quality control of one pair: similarity, mask overlap, transform plausibility, flags and a PNG."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from glioma_change.io import atomic_path

# Thresholds beyond which a pair is flagged for a human look.
MIN_DICE = 0.85
MIN_CORRELATION = 0.6
SCALE_RANGE = (0.85, 1.18)
MAX_ROTATION_DEG = 45.0  # heads turn by up to 30° between clinical sessions
MAX_CROPPED_FRACTION = 0.01
MAX_NO_DATA_FRACTION = 0.15  # share of the later exam's brain outside the earlier exam's field of view
# Flags that say the registration itself is suspect (the others: masks, field of view, grid).
REGISTRATION_FLAGS = (
    "registration_failed",
    "low_similarity",
    "registration_worsened",
    "implausible_scaling",
    "large_rotation",
)


def dice(a: sitk.Image, b: sitk.Image) -> float:
    """Dice overlap of two binary masks on one grid."""
    x = sitk.GetArrayViewFromImage(a) > 0
    y = sitk.GetArrayViewFromImage(b) > 0
    total = int(x.sum() + y.sum())
    return 2.0 * float(np.logical_and(x, y).sum()) / total if total else 0.0


def correlation(a: sitk.Image, b: sitk.Image, mask: sitk.Image) -> float:
    """Pearson correlation of two images inside `mask`."""
    inside = sitk.GetArrayViewFromImage(mask) > 0
    x = sitk.GetArrayViewFromImage(a)[inside].astype(np.float64)
    y = sitk.GetArrayViewFromImage(b)[inside].astype(np.float64)
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def mean_abs_inside(image: sitk.Image, mask: sitk.Image) -> float:
    """Mean absolute value of `image` inside `mask`."""
    inside = sitk.GetArrayViewFromImage(mask) > 0
    return float(np.abs(sitk.GetArrayViewFromImage(image)[inside]).mean()) if inside.any() else 0.0


def transform_summary(transform: sitk.AffineTransform) -> dict[str, float]:
    """Rotation angle (deg, of the polar rotation), translation at the centre (mm), scale range."""
    matrix = np.asarray(transform.GetMatrix()).reshape(3, 3)
    u, s, vt = np.linalg.svd(matrix)
    rotation = u @ vt
    angle = np.degrees(np.arccos(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)))
    return {
        "rotation_deg": float(angle),
        "translation_mm": float(np.linalg.norm(transform.GetTranslation())),
        "scale_min": float(s.min()),
        "scale_max": float(s.max()),
    }


def flags(metrics: Mapping[str, Any]) -> list[str]:
    """Names of the QC checks a pair fails (empty: nothing suspicious)."""
    out = []
    if metrics.get("registration_failure"):
        out.append("registration_failed")
    if metrics["dice"] < MIN_DICE:
        out.append("low_mask_overlap")
    if metrics["correlation_after"] < MIN_CORRELATION:
        out.append("low_similarity")
    if metrics["correlation_after"] < metrics["correlation_before"] - 0.02:
        out.append("registration_worsened")
    if not (SCALE_RANGE[0] <= metrics["scale_min"] and metrics["scale_max"] <= SCALE_RANGE[1]):
        out.append("implausible_scaling")
    if metrics["rotation_deg"] > MAX_ROTATION_DEG:
        out.append("large_rotation")
    if metrics["cropped_fraction"] > MAX_CROPPED_FRACTION:
        out.append("brain_cropped")
    if metrics.get("no_data_fraction", 0.0) > MAX_NO_DATA_FRACTION:
        out.append("partial_field_of_view")
    return out


def _planes(image: sitk.Image) -> list[np.ndarray]:
    array = sitk.GetArrayViewFromImage(image)  # (z, y, x)
    z, y, x = (n // 2 for n in array.shape)
    return [array[z, :, :], np.flipud(array[:, y, :]), np.flipud(array[:, :, x])]


def write_qc_png(a: sitk.Image, b: sitk.Image, diff: sitk.Image, path: str | os.PathLike[str], title: str) -> Path:
    """Three planes (axial, coronal, sagittal through the grid centre) of A, B and B − A."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("A (earlier, registered)", a, "gray"), ("B (later)", b, "gray"), ("B − A", diff, "RdBu_r")]
    limit = float(np.percentile(np.abs(sitk.GetArrayViewFromImage(diff)), 99.5)) or 1.0
    grey = sitk.GetArrayViewFromImage(b)
    lo, hi = (float(v) for v in np.percentile(grey[grey != 0], [1, 99])) if np.any(grey) else (0.0, 1.0)
    fig, axes = plt.subplots(3, 3, figsize=(7.5, 7.5))
    for r, (label, image, cmap) in enumerate(rows):
        vmin, vmax = (-limit, limit) if cmap != "gray" else (lo, hi)
        for c, plane in enumerate(_planes(image)):
            ax = axes[r, c]
            ax.imshow(plane, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=80, format="png")
    plt.close(fig)
    return Path(path)
