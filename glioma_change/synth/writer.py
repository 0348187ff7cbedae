"""Write one patient's session images, lesion masks and (optionally) brain masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from glioma_change.formats import mask_path, session_label, subject_label, t2w_path
from glioma_change.io import atomic_path
from glioma_change.seeding import rng
from glioma_change.synth.acquisition import acquire, resample_labels
from glioma_change.synth.anatomy import motion_centre_lps, t2_head, tissues
from glioma_change.synth.config import SynthConfig
from glioma_change.synth.lesion import LesionField, build_lesion
from glioma_change.synth.plan import PatientPlan, SessionPlan


def lesion_path(out_dir: str | Path, patient_id: str, date: object) -> Path:
    """`derivatives/lesions/sub-<id>/ses-<date>/sub-<id>_ses-<date>_lesion.nii.gz` under `out_dir`."""
    sub, ses = subject_label(patient_id), session_label(date)  # type: ignore[arg-type]
    return (
        Path(out_dir) / "derivatives" / "lesions" / f"sub-{sub}" / f"ses-{ses}" / f"sub-{sub}_ses-{ses}_lesion.nii.gz"
    )


def _write(image: sitk.Image, path: Path) -> None:
    with atomic_path(path) as tmp:
        sitk.WriteImage(image, str(tmp), True, 1)


def _as_image(array: np.ndarray, reference: sitk.Image) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    image.CopyInformation(reference)
    return image


def head_with_lesion(config: SynthConfig, lesion: LesionField, session: SessionPlan) -> tuple[sitk.Image, sitk.Image]:
    """Noise-free T2 head of one session (float32) and its lesion labels (uint8), both in head space."""
    t = tissues()
    contrast = config.profile.tissue_t2
    n_t2 = int(round(session.t2_vol_ml / t.voxel_ml))
    labels_box = lesion.labels(n_t2)
    head = t2_head(tuple(contrast.items())).copy()
    core_signal = contrast["csf"] if lesion.cavity else contrast["necrosis"]
    tumour = np.where(labels_box == 2, core_signal, contrast["lesion"] * lesion.texture)
    weight = np.where(labels_box == 2, 1.0, np.where(labels_box == 1, lesion.infiltration(n_t2), 0.0))
    head[lesion.box] = head[lesion.box] * (1 - weight) + tumour * weight
    labels = np.zeros(head.shape, np.uint8)
    labels[lesion.box] = labels_box
    return _as_image(head.astype(np.float32), t.reference), _as_image(labels, t.reference)


def render_session(config: SynthConfig, plan: PatientPlan, lesion: LesionField, index: int) -> dict[str, sitk.Image]:
    """The session's T2w image (int16), lesion labels and (when `config.masks`) brain mask on its own grid."""
    session = plan.sessions[index]
    profile = config.profile
    centre = motion_centre_lps()
    head, labels = head_with_lesion(config, lesion, session)
    acq = session.acquisition
    if acq.gamma != 1.0:  # the session's scanner has a contrast curve of its own
        head = sitk.Pow(sitk.Maximum(head, 0.0), acq.gamma)
    wm_signal = profile.tissue_t2["wm"] ** acq.gamma
    g = rng(config.seed, "synth-noise", plan.patient_id, session.date.isoformat())
    bias = profile.bias_strength if acq.bias_strength is None else acq.bias_strength
    image = acquire(
        head, acq, session.motion, centre, bias_strength=bias, noise_sigma=acq.noise_fraction * wm_signal, g=g
    )
    scaled = sitk.GetArrayViewFromImage(image) * (profile.signal_scale * acq.intensity_scale / wm_signal)
    t2w = _as_image(np.clip(np.rint(scaled), 0, 32767).astype(np.int16), image)
    out = {"t2w": t2w, "lesion": resample_labels(labels, session.acquisition, session.motion, centre)}
    if config.masks:
        brain = _as_image(tissues().brain.astype(np.uint8), tissues().reference)
        out["mask"] = resample_labels(brain, session.acquisition, session.motion, centre)
    return out


def write_patient_images(config: SynthConfig, plan: PatientPlan, out_dir: str | Path) -> int:
    """Write every session of one patient; returns the number of T2w images written."""
    lesion = build_lesion(tissues(), plan.lesion, config.seed, plan.patient_id)
    for index, session in enumerate(plan.sessions):
        images = render_session(config, plan, lesion, index)
        path = t2w_path(out_dir, plan.patient_id, session.date)
        _write(images["t2w"], path)
        _write(images["lesion"], lesion_path(out_dir, plan.patient_id, session.date))
        if config.masks:
            _write(images["mask"], mask_path(path))
    return len(plan.sessions)
