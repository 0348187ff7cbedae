"""Check maps and transforms against the ground truth of a synthetic dataset (`sessions.csv`, lesions).

Motion convention (INTERFACES.md, synth): session image `I_s(x) = Head(T_s(x))` with
`T_s = Euler3DTransform(centre, rx, ry, rz, t)`; registering A onto B must recover `T_A^-1 ∘ T_B`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import SimpleITK as sitk

from glioma_change import formats
from glioma_change.imaging.resample import resample_mask


def _homogeneous(transform: sitk.Transform) -> np.ndarray:
    """4×4 matrix of a matrix-offset transform (Euler, affine): p ↦ M (p − c) + c + t."""
    matrix = np.asarray(transform.GetMatrix()).reshape(3, 3)  # type: ignore[attr-defined]
    centre = np.asarray(transform.GetCenter())  # type: ignore[attr-defined]
    offset = centre + np.asarray(transform.GetTranslation()) - matrix @ centre  # type: ignore[attr-defined]
    out = np.eye(4)
    out[:3, :3], out[:3, 3] = matrix, offset
    return out


def session_transform(sessions: pd.DataFrame, patient_id: str, date: str) -> sitk.Euler3DTransform:
    """`T_s` of one session from `sessions.csv`."""
    rows = sessions[
        (sessions["patient_id"].astype(str) == str(patient_id))
        & (sessions["session_date"].map(lambda d: formats.iso(formats.parse_date(d))) == date)
    ]
    if len(rows) != 1:
        raise KeyError(f"session {patient_id} {date}: {len(rows)} rows in sessions.csv")
    r = rows.iloc[0]
    return sitk.Euler3DTransform(
        [float(r.center_x), float(r.center_y), float(r.center_z)],
        *(float(np.radians(r[k])) for k in ("rot_x_deg", "rot_y_deg", "rot_z_deg")),
        [float(r.tx_mm), float(r.ty_mm), float(r.tz_mm)],
    )


def true_pair_transform(sessions: pd.DataFrame, patient_id: str, date_a: str, date_b: str) -> sitk.AffineTransform:
    """`T_A^-1 ∘ T_B` of a pair of sessions listed in `sessions.csv`."""
    return pair_transform(
        session_transform(sessions, patient_id, date_a), session_transform(sessions, patient_id, date_b)
    )


def pair_transform(t_a: sitk.Transform, t_b: sitk.Transform) -> sitk.AffineTransform:
    """`T_A^-1 ∘ T_B`: points of B → points of A, as one affine transform."""
    h = np.linalg.inv(_homogeneous(t_a)) @ _homogeneous(t_b)
    out = sitk.AffineTransform(3)
    out.SetMatrix(h[:3, :3].ravel().tolist())
    out.SetTranslation(h[:3, 3].tolist())
    return out


@dataclass(frozen=True)
class TransformError:
    rotation_deg: float  # angle of the residual rotation (polar part of the residual matrix)
    translation_mm: float  # residual displacement at the reference point


def transform_error(estimated: sitk.Transform, truth: sitk.Transform, point: np.ndarray) -> TransformError:
    """Residual `truth^-1 ∘ estimated` (identity when exact): its rotation angle and its displacement at `point`."""
    residual = np.linalg.inv(_homogeneous(truth)) @ _homogeneous(estimated)
    u, _, vt = np.linalg.svd(residual[:3, :3])
    rotation = u @ vt
    angle = float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0))))
    p = np.append(np.asarray(point, dtype=float), 1.0)
    return TransformError(angle, float(np.linalg.norm((residual @ p)[:3] - p[:3])))


def lesion_path(root: str | os.PathLike[str], patient_id: str, date: str) -> Path:
    """Ground-truth lesion mask of one session (`derivatives/lesions/...`)."""
    sub = formats.subject_label(patient_id)
    subject = Path(root) / "derivatives" / "lesions" / f"sub-{sub}"
    ses = formats.session_folder(subject, date)
    return subject / f"ses-{ses}" / f"sub-{sub}_ses-{ses}_lesion.nii.gz"


def changed_region(lesion_a: sitk.Image, lesion_b: sitk.Image, grid: sitk.Image, truth: sitk.Transform) -> sitk.Image:
    """Voxels of `grid` whose lesion label differs between A (mapped through `truth`) and B."""
    labels = []
    for lesion, transform in ((lesion_a, truth), (lesion_b, None)):
        per_label = [resample_mask(sitk.Cast(lesion == k, sitk.sitkUInt8), grid, transform) for k in (1, 2)]
        labels.append(sitk.GetArrayFromImage(per_label[0]) + 2 * sitk.GetArrayFromImage(per_label[1]))
    out = sitk.GetImageFromArray((labels[0] != labels[1]).astype(np.uint8))
    out.CopyInformation(grid)
    return out


def energy_ratio(diff: sitk.Image, changed: sitk.Image, brain: sitk.Image) -> float:
    """Mean squared map value inside the changed region over that elsewhere in the brain."""
    d = sitk.GetArrayViewFromImage(diff).astype(np.float64) ** 2
    c = sitk.GetArrayViewFromImage(changed) > 0
    b = (sitk.GetArrayViewFromImage(brain) > 0) & ~c
    if not c.any() or not b.any():
        return float("nan")
    return float(d[c].mean() / max(d[b].mean(), 1e-12))
