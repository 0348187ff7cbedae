"""Benchmark: a small end-to-end study (tune + refit) against one training epoch measured in the same run.

Measures, on the device the study uses (CPU unless CUDA is present):
- one training epoch of each network over the fold-0 training pairs (human + weak, `mixed`): seconds and
  training samples per second: the baseline;
- a whole study (`tuning.run.tune`) on the same data: wall time, mean and median time per trial, the refit,
  and each as a ratio to the epoch baseline.

Runs on a fake dataset (noise maps, signed blobs for unstable pairs) unless `--study STUDY.yaml` is given.
Writes `benchmarks/results/study.json` and `benchmarks/results/study.md`.

    .venv/bin/python benchmarks/bench_study.py [--study STUDY.yaml] [--patients 24] [--size 16] [--trials 6]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from glioma_change.progress import set_enabled
from glioma_change.study_config import StudyConfig, load_study_config
from glioma_change.training.loop import LoopSettings, Samples, fit
from glioma_change.training.params import TrainParams
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.fold_runs import model_spec
from glioma_change.tuning.run import tune

ROOT = Path(__file__).resolve().parents[1]


def epoch_baseline(config: StudyConfig, data: StudyData, runtime: Runtime, network: str) -> dict[str, float]:
    """Median seconds (3 runs) for one training epoch (plus validation) of `network` (smallest configured width) on fold 0's human + weak pairs."""
    from glioma_change.models import build_model

    params = TrainParams(network=network, strategy="mixed", width=min(config.search.width[network]), batch_size=8)
    fold = data.fold(0, min(config.search.weak_threshold))
    train = Samples.concat([fold.human_train, fold.weak_train])
    settings = LoopSettings(1, 1, 1e-3, 0.0, 8, 0.5, config.budget.eval_batch_size)
    model = build_model(model_spec(params, config))
    fit(model, train, fold.val, settings, runtime, seed=0)  # warm-up (allocator, first-call overheads)
    times = []
    for seed in (1, 2, 3):
        start = time.perf_counter()
        fit(model, train, fold.val, settings, runtime, seed=seed)
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times))
    return {"epoch_s": seconds, "train_samples": len(train), "samples_per_s": len(train) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, help="study file (default: a generated fake dataset)")
    parser.add_argument("--patients", type=int, default=24)
    parser.add_argument("--size", type=int, default=16, help="map edge length (voxels) of the fake dataset")
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    set_enabled(False)

    with tempfile.TemporaryDirectory() as tmp:
        if args.study is None:
            from glioma_change.testing.study import make_fake_study

            study_file = make_fake_study(
                Path(tmp),
                n_patients=args.patients,
                n_human=max(10, args.patients // 4),
                size=args.size,
                folds={"n_folds": 5, "val_fraction": 0.25},
                budget={"epochs": 4, "patience": 2, "pretrain_epochs": 3, "n_trials": args.trials},
                search={
                    "networks": ["vgg", "resnext"],
                    "strategies": ["baseline", "mixed", "finetune", "feature_extract"],
                    "width": {"vgg": [0.5], "resnext": [0.25]},
                    "batch_size": [8],
                },
            )
        else:
            study_file = args.study
        config = load_study_config(study_file, [f"budget.n_trials={args.trials}"])
        runtime = Runtime.create(config.device)
        if config.num_threads is not None:  # the same threads as the study below
            torch.set_num_threads(config.num_threads)
        start = time.perf_counter()
        data = StudyData(config, runtime.device)
        load_s = time.perf_counter() - start
        epochs = {net: epoch_baseline(config, data, runtime, net) for net in config.search.networks}
        baseline_s = float(np.mean([e["epoch_s"] for e in epochs.values()]))

        run_dir = Path(tmp) / "run"
        start = time.perf_counter()
        tune(config, run_dir, n_trials=args.trials)
        study_s = time.perf_counter() - start
        trials = pd.read_csv(run_dir / "trials.csv")
        trials = trials[trials["state"].isin(["COMPLETE", "PRUNED"])]  # not the queued, never-run ones
        per_trial = pd.to_timedelta(trials["duration"]).dt.total_seconds()
        tuning_s = float(per_trial.sum())
        table = pd.read_csv(run_dir / "strategy_table.csv")

    result = {
        "device": str(runtime.device),
        "maps": len(data.all_rows),
        "input_shape": list(config.data.input_shape),
        "n_folds": config.folds.n_folds,
        "trials": len(trials),
        "trial_states": trials["state"].value_counts().to_dict(),
        "map_loading_s": load_s,
        "epoch_baseline": epochs,
        "study_wall_s": study_s,
        "trial_mean_s": float(per_trial.mean()),
        "trial_median_s": float(per_trial.median()),
        "outside_trials_s": study_s - tuning_s,
        "ratio_study_to_epoch": study_s / baseline_s,
        "ratio_trial_to_epoch": float(per_trial.mean()) / baseline_s,
        "strategy_table": table.to_dict(orient="records"),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "study.json").write_text(json.dumps(result, indent=2, default=str))
    lines = [
        f"# Study benchmark ({result['device']}, {result['maps']} maps at {'x'.join(map(str, result['input_shape']))}, "
        f"{result['n_folds']} folds, {result['trials']} trials)",
        "",
        "| measure | seconds | ratio to one epoch |",
        "|---|---|---|",
        *[
            f"| one epoch, {net} ({e['train_samples']} samples, {e['samples_per_s']:.1f}/s) | {e['epoch_s']:.2f} | "
            f"{e['epoch_s'] / baseline_s:.2f} |"
            for net, e in epochs.items()
        ],
        f"| mean trial (all folds) | {result['trial_mean_s']:.1f} | {result['ratio_trial_to_epoch']:.1f} |",
        f"| outside trials (map loading, refit, outputs) | {result['outside_trials_s']:.1f} | {result['outside_trials_s'] / baseline_s:.1f} |",
        f"| whole study | {study_s:.1f} | {result['ratio_study_to_epoch']:.1f} |",
    ]
    (args.out / "study.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
