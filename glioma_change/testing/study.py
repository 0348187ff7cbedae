"""A tiny fake study for the training and tuning tests: real NIfTI difference maps, manifest, labels, YAML.

Unstable pairs carry a signed Gaussian blob on top of noise; stable pairs are noise only. Human labels
cover the first `n_human` patients; weak labels (noisy probabilities) cover every other pair, including
other pairs of human-labelled patients, so fold leakage of weak rows would be visible.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import optuna
import pandas as pd
import yaml

from glioma_change.formats import LABEL_COLUMNS, MANIFEST, pair_id
from glioma_change.study_config import StudySection
from glioma_change.testing.rows import human_label_row, manifest_row, noisy_prob, weak_label_row
from glioma_change.tuning.storage import default_storage

ROOT = Path(__file__).resolve().parents[2]


def _map(gen: np.random.Generator, size: int, unstable: bool) -> np.ndarray:
    img = gen.normal(0.0, 0.3, (size, size, size)).astype(np.float32)
    if unstable:
        grid = np.indices((size,) * 3).astype(np.float32)
        centre = gen.uniform(size * 0.3, size * 0.7, 3)
        r2 = sum((grid[i] - centre[i]) ** 2 for i in range(3))
        img += np.float32(gen.choice([-1.0, 1.0]) * 2.0) * np.exp(-r2 / (2 * (size / 8) ** 2)).astype(np.float32)
    return img


def make_fake_study(
    root: Path,
    n_patients: int = 12,
    n_human: int = 8,
    pairs_per_patient: int = 3,
    size: int = 16,
    seed: int = 0,
    **overrides: object,
) -> Path:
    """Write maps, `manifest.csv`, `human_labels.csv`, `weak_labels.csv` and `study.yaml`; return the YAML path."""
    gen = np.random.default_rng(seed)
    maps = root / "maps"
    manifest, human, weak = [], [], []
    for p in range(n_patients):
        pid = f"P{p:03d}"
        dates = [dt.date(2020, 1, 1) + dt.timedelta(days=120 * j) for j in range(pairs_per_patient + 1)]
        for j in range(pairs_per_patient):
            a, b = dates[j].isoformat(), dates[j + 1].isoformat()
            stem = pair_id(pid, a, b)
            unstable = (p + j) % 2 == 1
            img = _map(gen, size, unstable)
            rel = Path(f"sub-{pid}") / f"{stem}_T2wdiff.nii.gz"
            rel_abs = Path(f"sub-{pid}") / f"{stem}_T2wabsdiff.nii.gz"
            (maps / rel).parent.mkdir(parents=True, exist_ok=True)
            affine = np.diag([1.5, 1.5, 1.5, 1.0])
            nib.save(nib.Nifti1Image(img, affine), maps / rel)
            nib.save(nib.Nifti1Image(np.abs(img), affine), maps / rel_abs)
            manifest.append(manifest_row(pid, a, b, str(rel), str(rel_abs)))
            label = int(unstable)
            if p < n_human and j < pairs_per_patient - 1:
                human.append(human_label_row(pid, a, b, label))
            else:
                weak.append(weak_label_row(pid, a, b, noisy_prob(gen, label)))
    pd.DataFrame(manifest).to_csv(maps / MANIFEST, index=False)
    pd.DataFrame(human, columns=LABEL_COLUMNS).to_csv(root / "human_labels.csv", index=False)
    pd.DataFrame(weak, columns=LABEL_COLUMNS).to_csv(root / "weak_labels.csv", index=False)
    study: dict[str, Any] = {
        "data": {
            "manifest": "maps/manifest.csv",
            "human_labels": "human_labels.csv",
            "weak_labels": "weak_labels.csv",
            "input_shape": [size] * 3,
        },
        "folds": {"n_folds": 2, "val_fraction": 0.3},
        "budget": {"epochs": 2, "patience": 2, "pretrain_epochs": 1, "n_trials": 3, "eval_batch_size": 8},
        "search": {
            "networks": ["vgg"],
            "strategies": ["baseline", "finetune"],
            "width": {"vgg": [0.25]},
            "batch_size": [8],
            "enqueue_each_combination": False,
        },
        "study": {"heartbeat_interval_s": 1, "grace_period_s": 2, "n_startup_trials": 2},
        "seed": seed,
        "device": "cpu",
        "num_threads": 1,
    }
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        if name:
            study.setdefault(section, {})[name] = value
        else:
            study[section] = value
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(study), encoding="utf-8")
    return path


def queued_search(strategies: Sequence[str] = ("baseline", "mixed")) -> dict[str, object]:
    """A `search` section: the narrowest VGG, batch 8, one trial of each strategy queued first."""
    return {
        "networks": ["vgg"],
        "strategies": list(strategies),
        "width": {"vgg": [0.25]},
        "batch_size": [8],
        "enqueue_each_combination": True,
    }


def load_run_study(run: Path) -> optuna.Study:
    """The Optuna study that `tune` stored in `RUN/study.db` (under the default study name)."""
    return optuna.load_study(study_name=StudySection().name, storage=default_storage(run))


def cli_command(*args: str) -> list[str]:
    """The command line `python -m glioma_change -q ARGS`."""
    return [sys.executable, "-m", "glioma_change", "-q", *args]


def cli(*args: str, cwd: Path | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run `python -m glioma_change -q ARGS` and capture its output."""
    return subprocess.run(cli_command(*args), capture_output=True, text=True, cwd=cwd, timeout=timeout)


def cli_popen(*args: str, cwd: Path | None = None) -> subprocess.Popen[str]:
    """Start `python -m glioma_change -q ARGS` in the background."""
    return subprocess.Popen(cli_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
