"""The synthetic study of `study_scale`: a design (maps, patients, shape, human-labelled patients), its label
tables, its maps and study file, and the composition of its fold 0."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pandas as pd
import yaml

from glioma_change.data import join_maps_labels, make_folds
from glioma_change.formats import LABEL_COLUMNS, pair_id
from glioma_change.seeding import derive_seed
from glioma_change.testing.rows import human_label_row, manifest_row, noisy_prob, weak_label_row
from glioma_change.training.study_data import split_fold


@dataclass(frozen=True)
class Design:
    """Size of a synthetic study: maps, patients, map shape (D, H, W), human-labelled patients."""

    maps: int
    patients: int
    shape: tuple[int, int, int]
    human_patients: int
    seed: int = 0

    def pairs(self) -> Iterator[tuple[str, str, str, bool, bool]]:
        """(patient, comparative date, exam date, unstable, human-labelled) of every pair, maps spread evenly."""
        base, extra = divmod(self.maps, self.patients)
        for p in range(self.patients):
            pid = f"P{p:04d}"
            n = base + (1 if p < extra else 0)
            dates = [dt.date(2015, 1, 1) + dt.timedelta(days=91 * j) for j in range(n + 1)]
            for j in range(n):
                unstable = (p * 7 + j * 3) % 5 < 2
                yield pid, dates[j].isoformat(), dates[j + 1].isoformat(), unstable, p < self.human_patients


def label_tables(design: Design) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Manifest, human labels and weak labels of a design (no images): every pair has a weak label."""
    gen = np.random.default_rng(derive_seed(design.seed, "scale", "labels"))
    manifest, human, weak = [], [], []
    for pid, a, b, unstable, is_human in design.pairs():
        manifest.append(manifest_row(pid, a, b, f"{pair_id(pid, a, b)}_T2wdiff.nii"))
        if is_human:
            human.append(human_label_row(pid, a, b, int(unstable)))
        weak.append(weak_label_row(pid, a, b, noisy_prob(gen, int(unstable))))
    return pd.DataFrame(manifest), pd.DataFrame(human, columns=LABEL_COLUMNS), pd.DataFrame(weak, columns=LABEL_COLUMNS)


def difference_map(gen: np.random.Generator, shape: tuple[int, int, int], unstable: bool) -> np.ndarray:
    """A (x, y, z) float32 map: noise, plus a signed blob of radius ≈ size/8 when unstable."""
    d, h, w = shape
    img = gen.normal(0.0, 0.3, (w, h, d)).astype(np.float32)
    if unstable:
        axes = [np.arange(n, dtype=np.float32) for n in (w, h, d)]
        centre = [gen.uniform(0.3 * n, 0.7 * n) for n in (w, h, d)]
        sigma2 = 2.0 * (min(shape) / 8.0) ** 2
        blob = np.ones((w, h, d), dtype=np.float32)
        for i, (ax, c) in enumerate(zip(axes, centre, strict=True)):
            profile = np.exp(-((ax - c) ** 2) / sigma2).astype(np.float32)
            blob *= profile.reshape([-1 if k == i else 1 for k in range(3)])
        img += np.float32(gen.choice([-2.0, 2.0])) * blob
    return img


def write_study(root: Path, design: Design, budget: dict[str, Any], search: dict[str, Any]) -> Path:
    """Maps (uncompressed NIfTI, 1.5 mm voxels), manifest, label CSVs and `study.yaml` under `root`."""
    manifest, human, weak = label_tables(design)
    maps = root / "maps"
    maps.mkdir(parents=True, exist_ok=True)
    gen = np.random.default_rng(derive_seed(design.seed, "scale", "maps"))
    affine = np.diag([1.5, 1.5, 1.5, 1.0])
    for row, (*_, unstable, _) in zip(manifest.itertuples(), design.pairs(), strict=True):
        nib.save(nib.Nifti1Image(difference_map(gen, design.shape, unstable), affine), maps / row.diff_path)
    manifest.to_csv(maps / "manifest.csv", index=False)
    human.to_csv(root / "human_labels.csv", index=False)
    weak.to_csv(root / "weak_labels.csv", index=False)
    study = {
        "data": {
            "manifest": "maps/manifest.csv",
            "human_labels": "human_labels.csv",
            "weak_labels": "weak_labels.csv",
            "input_shape": list(design.shape),
        },
        "folds": {"n_folds": 5, "val_fraction": 0.2},
        "budget": budget,
        "search": search,
        "study": {"name": "scale", "n_startup_trials": 4, "pruner_startup_trials": 4, "pruner_warmup_steps": 2},
        "seed": design.seed,
        "device": "cpu",
    }
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def fold_sizes(design: Design, threshold: float, n_folds: int = 5, val_fraction: float = 0.2) -> dict[str, int]:
    """Rows per split of fold 0 of a design (the real join and folds, no images needed)."""
    manifest, human, weak = label_tables(design)
    df = join_maps_labels(manifest, human, weak, 0.5, maps_dir=Path("."))
    folds = make_folds(df, n_folds, design.seed, val_fraction)
    rows = join_maps_labels(manifest, human, weak, threshold, maps_dir=Path("."))
    return {name: len(frame) for name, frame in split_fold(rows, folds[0]).items()}
