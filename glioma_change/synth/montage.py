"""QC montage of one synthetic patient: every session in three planes through the lesion, outlined."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from glioma_change.formats import session_label
from glioma_change.io import atomic_path


def _planes(t2: np.ndarray, lesion: np.ndarray, spacing: tuple[float, float, float]) -> list[tuple]:
    """(image, outline, aspect) for the axial, coronal and sagittal slice through the lesion centroid.

    Arrays are (z, y, x) in LPS: axial shown with anterior up and patient right on the left
    (radiological), coronal and sagittal with superior up.
    """
    z, y, x = np.argwhere(lesion > 0).mean(axis=0).round().astype(int) if lesion.any() else np.array(t2.shape) // 2
    sx, sy, sz = spacing
    return [
        (t2[z], lesion[z], sy / sx),
        (t2[:, y, :][::-1], lesion[:, y, :][::-1], sz / sx),
        (t2[:, :, x][::-1], lesion[:, :, x][::-1], sz / sy),
    ]


def session_montage(dataset_dir: str | os.PathLike[str], patient_id: str, out_png: str | os.PathLike[str]) -> Path:
    """Write a PNG grid (one row a session; axial, coronal, sagittal) of one patient with lesion outlines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from glioma_change.formats import t2w_path
    from glioma_change.synth.writer import lesion_path

    root = Path(dataset_dir)
    sessions = sorted(p.name[4:] for p in (root / f"sub-{patient_id}").glob("ses-*"))
    if not sessions:
        raise FileNotFoundError(f"no session of {patient_id} under {root}")
    fig, axes = plt.subplots(len(sessions), 3, figsize=(9, 3.1 * len(sessions)), squeeze=False, facecolor="black")
    for row, ses in enumerate(sessions):
        image = sitk.ReadImage(str(t2w_path(root, patient_id, ses)))
        t2 = sitk.GetArrayFromImage(image).astype(np.float32)
        lesion = sitk.GetArrayFromImage(sitk.ReadImage(str(lesion_path(root, patient_id, ses))))
        vmax = float(np.percentile(t2[t2 > 0], 99.5)) if (t2 > 0).any() else 1.0
        for col, (plane, outline, aspect) in enumerate(_planes(t2, lesion, image.GetSpacing())):
            ax = axes[row, col]
            ax.imshow(plane, cmap="gray", vmin=0, vmax=vmax, aspect=aspect, interpolation="bilinear")
            if outline.any():
                ax.contour(outline > 0, levels=[0.5], colors="#ff5030", linewidths=0.8)
                if (outline == 2).any():
                    ax.contour(outline == 2, levels=[0.5], colors="#40c0ff", linewidths=0.6)
            ax.set_axis_off()
        ml = (lesion == 1).sum() * float(np.prod(image.GetSpacing())) / 1000.0
        axes[row, 0].set_title(
            f"{patient_id} ses-{session_label(ses)}  lesion ≈ {ml:.1f} ml", color="white", fontsize=9, loc="left"
        )
    for col, name in enumerate(["axial (R on left)", "coronal", "sagittal"]):
        axes[-1, col].text(0.5, -0.06, name, color="white", fontsize=8, ha="center", transform=axes[-1, col].transAxes)
    fig.tight_layout()
    out = Path(out_png)
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110, facecolor="black", format="png")
    plt.close(fig)
    return out
