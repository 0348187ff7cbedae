"""Small synthetic longitudinal T2 datasets for the imaging tests (no network, a few seconds).

The head is nilearn's bundled MNI152 brain with a T2-like contrast; each session sees it through a
known rigid motion `T_s` (synth's convention: `I_s(x) = Head(T_s(x))`, LPS), on an anisotropic grid,
with a smooth bias field and noise. A spherical lesion can grow between sessions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from glioma_change.formats import mask_path, t2w_path
from glioma_change.imaging.mask import template_brain


@dataclass(frozen=True)
class SessionSpec:
    date: str  # YYYYMMDD
    rotation_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    translation_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)
    lesion_radius_mm: float = 0.0


LESION_CENTRE_OFFSET_MM = np.array([25.0, -10.0, 15.0])  # from the brain centre, head space


def t2_head() -> tuple[sitk.Image, np.ndarray]:
    """A T2-like head (CSF bright, white matter dark) and its brain centre (mm)."""
    t1, _ = template_brain()
    brain = head_brain_mask()
    t1_array = sitk.GetArrayFromImage(t1)
    inside = sitk.GetArrayFromImage(brain) > 0
    t2 = np.where(inside, 320.0 - t1_array, 0.0).astype(np.float32)
    head = sitk.GetImageFromArray(t2)
    head.CopyInformation(t1)
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(brain)
    return head, np.asarray(stats.GetCentroid(1))


def head_brain_mask() -> sitk.Image:
    """Brain mask of the head (template space)."""
    return template_brain()[1]


def _lesion(head: sitk.Image, centre: np.ndarray, radius: float) -> sitk.Image:
    idx = np.indices(sitk.GetArrayViewFromImage(head).shape[::-1]).reshape(3, -1).T  # (x, y, z) indices
    spacing = np.asarray(head.GetSpacing())
    origin = np.asarray(head.GetOrigin())
    direction = np.asarray(head.GetDirection()).reshape(3, 3)
    phys = origin + (idx * spacing) @ direction.T
    inside = np.linalg.norm(phys - centre, axis=1) <= radius
    array = inside.reshape(sitk.GetArrayViewFromImage(head).shape[::-1]).transpose(2, 1, 0).astype(np.float32)
    out = sitk.GetImageFromArray(array)
    out.CopyInformation(head)
    return out


def euler(spec: SessionSpec, centre: np.ndarray) -> sitk.Euler3DTransform:
    """`T_s`: session space → head space."""
    rx, ry, rz = np.radians(spec.rotation_deg)
    return sitk.Euler3DTransform(centre.tolist(), float(rx), float(ry), float(rz), list(spec.translation_mm))


def make_session(
    head: sitk.Image,
    centre: np.ndarray,
    spec: SessionSpec,
    spacing: tuple[float, float, float],
    seed: int,
    noise_sd: float = 6.0,
) -> tuple[sitk.Image, sitk.Image]:
    """The session's T2w image and lesion mask on an anisotropic grid covering the head."""
    generator = np.random.default_rng(seed)
    lesion = _lesion(head, centre + LESION_CENTRE_OFFSET_MM, spec.lesion_radius_mm)
    scene = head + lesion * 250.0 * sitk.Cast(head > 0, sitk.sitkFloat32)
    extent = np.asarray(head.GetSize()) * np.asarray(head.GetSpacing())
    size = [int(np.ceil(e / s)) for e, s in zip(extent, spacing)]
    grid = sitk.Image(size, sitk.sitkFloat32)
    grid.SetSpacing(spacing)
    grid.SetOrigin((centre - (np.asarray(size) - 1) / 2.0 * np.asarray(spacing)).tolist())
    transform = euler(spec, centre)
    smoothed = sitk.SmoothingRecursiveGaussian(scene, [max(s / 2.355, 0.5) for s in spacing])
    image = sitk.Resample(smoothed, grid, transform, sitk.sitkLinear, 0.0)
    lesion_mask = sitk.Resample(lesion, grid, transform, sitk.sitkLinear, 0.0) >= 0.5
    array = sitk.GetArrayFromImage(image)
    z, y, x = np.meshgrid(*(np.linspace(-1, 1, n) for n in array.shape), indexing="ij")
    field = np.exp(0.25 * (x * generator.uniform(-1, 1) + y * generator.uniform(-1, 1) + z * z))
    noisy = np.abs(array * field + generator.normal(0, noise_sd, array.shape)).astype(np.float32)
    out = sitk.GetImageFromArray(noisy)
    out.CopyInformation(grid)
    return out, sitk.Cast(lesion_mask, sitk.sitkUInt8)


def make_dataset(
    root: Path,
    patients: dict[str, list[SessionSpec]],
    spacing: tuple[float, float, float] = (2.0, 2.0, 3.0),
    seed: int = 0,
    noise_sd: float = 6.0,
    masks: bool = False,
) -> Path:
    """Write BIDS images, lesion masks and `sessions.csv` (synth's columns) under `root`; with
    `masks`, also each session's true brain mask beside its image."""
    head, centre = t2_head()
    brain = head_brain_mask()
    rows = []
    for p_index, (patient, sessions) in enumerate(patients.items()):
        for s_index, spec in enumerate(sessions):
            image, lesion = make_session(head, centre, spec, spacing, seed + 100 * p_index + s_index, noise_sd)
            path = t2w_path(root, patient, spec.date)
            path.parent.mkdir(parents=True, exist_ok=True)
            sitk.WriteImage(image, str(path), useCompression=True)
            if masks:
                truth = sitk.Resample(brain, image, euler(spec, centre), sitk.sitkNearestNeighbor, 0)
                sitk.WriteImage(sitk.Cast(truth, sitk.sitkUInt8), str(mask_path(path)), useCompression=True)
            les = root / "derivatives" / "lesions" / f"sub-{patient}" / f"ses-{spec.date}"
            les.mkdir(parents=True, exist_ok=True)
            sitk.WriteImage(lesion, str(les / f"sub-{patient}_ses-{spec.date}_lesion.nii.gz"), useCompression=True)
            rows.append(
                {
                    "patient_id": patient,
                    "session_date": f"{spec.date[:4]}-{spec.date[4:6]}-{spec.date[6:]}",
                    "rot_x_deg": spec.rotation_deg[0],
                    "rot_y_deg": spec.rotation_deg[1],
                    "rot_z_deg": spec.rotation_deg[2],
                    "tx_mm": spec.translation_mm[0],
                    "ty_mm": spec.translation_mm[1],
                    "tz_mm": spec.translation_mm[2],
                    "center_x": centre[0],
                    "center_y": centre[1],
                    "center_z": centre[2],
                    "spacing_x": spacing[0],
                    "spacing_y": spacing[1],
                    "spacing_z": spacing[2],
                    "size_x": image.GetSize()[0],
                    "size_y": image.GetSize()[1],
                    "size_z": image.GetSize()[2],
                }
            )
    with open(root / "sessions.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root
