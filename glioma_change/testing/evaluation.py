"""A fake run directory for the evaluation tests, shaped like what `glioma-change tune` writes.

`predictions.csv` holds simulated scores (each model separates the classes by its own amount, with a
per-patient random effect so pairs of a patient are correlated), `models/fold-<k>/` real tiny checkpoints,
plus `config.yaml` (pointing at a small manifest of real NIfTI maps with QC PNGs), `run_info.json` and
`trials.csv`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nibabel as nib
import numpy as np
import pandas as pd
import yaml

from glioma_change.formats import MANIFEST, pair_id
from glioma_change.seeding import derive_seed

SEPARATION = {"vgg/baseline": 0.4, "vgg/mixed": 0.9, "resnext/baseline": 0.6, "resnext/mixed": 1.1}
INPUT_SHAPE = [12, 12, 12]
SECRET = "Patient reports a left frontal lesion growing fast"


def blob_map(gen: np.random.Generator, shape: tuple[int, int, int], unstable: bool) -> np.ndarray:
    """Noise, plus a signed Gaussian blob when unstable."""
    img = gen.normal(0.0, 0.3, shape).astype(np.float32)
    if unstable:
        grid = np.indices(shape).astype(np.float32)
        centre = np.array(shape) * gen.uniform(0.3, 0.7, 3)
        r2 = sum((grid[i] - centre[i]) ** 2 for i in range(3))
        img += (2.0 * np.exp(-r2 / (2 * 2.5**2))).astype(np.float32)
    return img


def simulated_probs(
    y: np.ndarray, patient_effect: np.ndarray, separation: float, gen: np.random.Generator
) -> np.ndarray:
    """P(unstable) = sigmoid(separation·(2y−1) + patient effect + noise)."""
    logit = separation * (2 * y - 1) + patient_effect + gen.normal(0.0, 1.0, len(y))
    return 1.0 / (1.0 + np.exp(-logit))


def tiny_checkpoints(run: Path, n_folds: int, models: list[str]) -> None:
    """Real (untrained, seeded) tiny VGG checkpoints for every fold and model, plus `best.pt`."""
    import torch

    from glioma_change.models import ModelSpec, build_model, save_checkpoint

    spec = ModelSpec(network="vgg", channels=(2, 4), dense=(8,))
    for fold in range(n_folds):
        for name in [*models, "best"]:
            torch.manual_seed(derive_seed(0, fold, name))
            network, _, strategy = name.partition("/")
            meta = {
                "input_shape": INPUT_SHAPE,
                "input_spacing": [2.0] * 3,
                "channels": ["diff"],
                "fold": fold,
                "strategy": strategy or "mixed",
                "network": network if strategy else "vgg",
                "seed": 0,
            }
            stem = "best" if name == "best" else f"{network}-{strategy}"
            save_checkpoint(run / "models" / f"fold-{fold}" / f"{stem}.pt", build_model(spec), spec, meta)


def make_fake_run(root: Path, n_patients: int = 30, n_folds: int = 3, seed: int = 0, checkpoints: bool = True) -> Path:
    """Write a fake run under `root/run` (and its maps under `root/maps`); return the run directory."""
    gen = np.random.default_rng(seed)
    run, maps = root / "run", root / "maps"
    pairs, manifest = [], []
    for p in range(n_patients):
        pid = f"P{p:03d}"
        effect = gen.normal(0.0, 0.7)
        for j in range(int(gen.integers(1, 4))):
            a, b = (
                dt.date(2020, 1, 1) + dt.timedelta(days=200 * j),
                dt.date(2020, 1, 1) + dt.timedelta(days=200 * (j + 1)),
            )
            stem = pair_id(pid, a, b)
            y = int(gen.random() < 0.45)
            pairs.append(
                {
                    "patient_id": pid,
                    "comparative_date": a.isoformat(),
                    "exam_date": b.isoformat(),
                    "pair_id": stem,
                    "y_true": y,
                    "effect": effect,
                }
            )
            diff = maps / f"sub-{pid}" / f"{stem}_T2wdiff.nii.gz"
            qc = diff.with_name(f"{stem}_qc.png")
            diff.parent.mkdir(parents=True, exist_ok=True)
            nib.save(nib.Nifti1Image(blob_map(gen, (14, 14, 12), bool(y)), np.diag([2.0, 2.0, 2.0, 1.0])), diff)
            manifest.append(
                {
                    "patient_id": pid,
                    "comparative_date": a.isoformat(),
                    "exam_date": b.isoformat(),
                    "pair_id": stem,
                    "diff_path": str(diff.relative_to(maps)),
                    "absdiff_path": "",
                    "qc_path": str(qc.relative_to(maps)) if p < 2 else "",
                    "status": "flagged" if p == 0 else "ok",
                    "error": "",
                }
            )
            if p < 2:
                fig, ax = plt.subplots(figsize=(2, 2))
                ax.imshow(np.zeros((4, 4)))
                fig.savefig(qc)
                plt.close(fig)
    pairs = pd.DataFrame(pairs)
    patients = pairs["patient_id"].unique()
    fold_of = {pid: i % n_folds for i, pid in enumerate(gen.permutation(patients))}
    val_fold = {pid: (fold_of[pid] + 1) % n_folds for pid in patients}  # validated in another fold's inner split
    rows = []
    for model, sep in {**SEPARATION, "best": SEPARATION["resnext/mixed"]}.items():
        prob = simulated_probs(pairs["y_true"].to_numpy(), pairs["effect"].to_numpy(), sep, gen)
        network, strategy = model.split("/") if model != "best" else ("resnext", "mixed")
        for split, folds in (("test", fold_of), ("val", val_fold)):
            part = pairs.drop(columns="effect").assign(
                fold=pairs["patient_id"].map(folds),
                network=network,
                strategy=strategy,
                model=model,
                prob=prob,
                split=split,
                report_text=SECRET,
            )
            rows.append(part)
    run.mkdir(parents=True, exist_ok=True)
    pd.concat(rows, ignore_index=True).to_csv(run / "predictions.csv", index=False)
    pd.DataFrame(manifest).to_csv(maps / MANIFEST, index=False)
    config = {"data": {"manifest": str(maps / MANIFEST), "input_shape": INPUT_SHAPE}, "seed": seed}
    (run / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (run / "run_info.json").write_text(json.dumps({"seed": seed, "versions": {"torch": "x"}}), encoding="utf-8")
    trial_gen = np.random.default_rng(seed + 1)
    lr = trial_gen.choice([1e-3, 1e-4], 12)
    pd.DataFrame(
        {
            "number": range(12),
            "value": 0.6 + 0.1 * (lr == 1e-3) + trial_gen.normal(0, 0.02, 12),
            "params_lr": lr,
            "params_strategy": trial_gen.choice(["baseline", "mixed"], 12),
            "state": "COMPLETE",
        }
    ).to_csv(run / "trials.csv", index=False)
    if checkpoints:
        tiny_checkpoints(run, n_folds, list(SEPARATION))
    return run
