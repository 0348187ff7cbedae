"""Small synthetic studies for the data and model tests: real NIfTI maps, a manifest and label CSVs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd

from glioma_change.formats import LABEL_COLUMNS, MANIFEST, pair_id
from glioma_change.testing.rows import human_label_row, manifest_row, weak_label_row

SHAPE = (10, 12, 8)
SPACING = (2.0, 2.0, 3.0)


def write_map(path: Path, data: np.ndarray, spacing: tuple[float, float, float] = SPACING) -> Path:
    """A float32 NIfTI file with a non-trivial affine (voxel size and origin)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    affine = np.diag([*spacing, 1.0])
    affine[:3, 3] = [-40.0, -50.0, -20.0]
    nib.save(nib.Nifti1Image(data.astype(np.float32), affine), path)
    return path


def make_study(
    root: Path, n_patients: int = 24, n_human: int = 12, pairs_per_patient: int = 2, seed: int = 0
) -> dict[str, Path]:
    """Maps, manifest (one failed row), human labels, weak labels for every pair.

    The first `n_human` patients have human labels for all their pairs but the last one (which then has
    only a weak label, so a fold leaking weak rows of held-out patients is visible). Unstable pairs carry
    a bright blob in the signed map; weak probabilities are noisy but mostly right, some unconfident (0.5).
    """
    rng = np.random.default_rng(seed)
    maps, human, weak = [], [], []
    for p in range(n_patients):
        pid = f"P{p:03d}"
        for k in range(pairs_per_patient):
            a, b = dt.date(2020, 1 + 2 * k, 1), dt.date(2020, 3 + 2 * k, 1)
            y = int(rng.random() < 0.5) if p >= 2 else p  # P000 stable, P001 unstable: both classes
            data = rng.normal(0.0, 0.3, SHAPE)
            if y:
                data[3:6, 4:8, 2:5] += 2.0
            stem = pair_id(pid, a, b)
            sub = f"sub-{pid}"
            write_map(root / sub / f"{stem}_T2wdiff.nii.gz", data)
            write_map(root / sub / f"{stem}_T2wabsdiff.nii.gz", np.abs(data))
            iso_a, iso_b = a.isoformat(), b.isoformat()
            maps.append(
                manifest_row(pid, iso_a, iso_b, f"{sub}/{stem}_T2wdiff.nii.gz", f"{sub}/{stem}_T2wabsdiff.nii.gz")
            )
            prob = float(np.clip(y * 0.9 + 0.05 + rng.normal(0, 0.1), 0, 1))
            if rng.random() < 0.2:
                prob = 0.5
            if p < n_human and (k < pairs_per_patient - 1 or pairs_per_patient == 1):
                human.append(human_label_row(pid, iso_a, iso_b, y))
            weak.append(weak_label_row(pid, iso_a, iso_b, prob))
    maps[-1] = {**maps[-1], "status": "failed", "error": "registration diverged"}
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(maps).to_csv(root / MANIFEST, index=False)
    pd.DataFrame(human, columns=LABEL_COLUMNS).to_csv(root / "human.csv", index=False)
    pd.DataFrame(weak, columns=LABEL_COLUMNS).to_csv(root / "weak.csv", index=False)
    return {"manifest": root / MANIFEST, "human": root / "human.csv", "weak": root / "weak.csv"}
