"""Study at scale: training throughput per network and strategy, GPU memory and sharing, projected study cost.

Builds a synthetic set of difference maps of the paper's size (default 1,700 maps from 180 patients at
the study's default input shape, 32³) as real uncompressed NIfTI files, a manifest, human labels (a
third of the patients) and weak labels (every pair, noisy probabilities) in a temporary folder. A map is
Gaussian noise (σ 0.3) plus, for unstable pairs, a signed Gaussian blob; it does not go through the
image pipeline. The maps then take the path a study takes: `StudyData` (join, patient-wise folds, one
`MapBank` preloaded on the device), `StrategyContext` + `train_fold` (the registered strategy code and
the one training loop `training.loop.fit`, with `data.augment` on the device).

Measured per device (CPU always; CUDA when available: maps preloaded to GPU memory once, augmentation on
the GPU, bf16 autocast and `channels_last_3d` from `Runtime`), per compile mode (`--compile`; default
`off default` on CPU, `off default reduce-overhead` on CUDA: the study key `compile`, i.e. `Runtime`'s
compiled forward handle), per network (vgg, resnext) and per strategy family (`baseline`: human labels;
`mixed`: human + weak; `finetune`: pre-training on weak labels, then fine-tuning), with `--batches`
batches per epoch:
- a cold and a warm run of `--epochs-measure` epochs on fold 0, validating on one batch of the fold's
  validation pairs: seconds per epoch = median interval between epoch ends of the warm run (an epoch
  callback), training samples/s = samples per epoch over that interval less the time `predict` takes
  on that batch; first-run overhead (compilation under `torch.compile`, dynamo's caches reset and the
  on-disk compile caches emptied once per network as for a fresh worker on a fresh machine;
  allocator/cuDNN warm-up otherwise) = cold − warm; per-run overhead
  (model building, first steps) = warm − epochs × interval;
- validation throughput: `training.loop.predict` on the whole fold-0 validation set;
- peak GPU memory (`torch.cuda.max_memory_allocated`) and GPU utilisation (`torch.cuda.utilization`,
  sampled every 0.2 s; needs pynvml, else "n/a").
The ratio column divides by a one-convolution baseline network trained by the same loop in the same run.

`--share 1 2 4` runs N workers of `tune --workers N` (`tuning.workers.HelperWorkers`, each with its own
`MapBank` on the device, all started together) on the built set with one fixed VGG `mixed` configuration, no pruning
and no early stopping, `--share-trials` trials per worker: trials per hour while every worker runs
past its first trial (from the trials' own start and end times, so start-up, warm-up and the refit
are left out) show how many
small-model trials one device holds. `--pruning-trials N` runs a small real Optuna study
(`tuning.study.open_study` with its median pruner, `tuning.objective.Objective`) and records the
fraction of epoch steps trials actually ran (early stopping and pruning); otherwise `--prune-factor` is
an assumption.

The projection: both networks × every strategy × `--folds` folds × `--trials` trials per network and
strategy × `--epochs` epochs × the pruning factor, epochs sized for the paper-sized set's fold-0
composition (computed from the real join and folds of the full design even when `--maps` is smaller),
plus pre-training (cached per fold, spec and threshold, so counted once per distinct key), plus every
first-run overhead once per worker (compilation), against the paper's 9–16 GPU-days per fold; and the
same with the VGG part divided by the best measured sharing speed-up of that device. Networks are
measured at width 1.0 (the search space's largest VGG; larger than its ResNeXt widths);
`feature_extract` is projected at `finetune`'s rates (an upper bound: its frozen features need no
weight gradients). Writes `benchmarks/results/study_scale.json` and `.md`.

    .venv/bin/python benchmarks/study_scale.py [--maps 1700 --patients 180 --shape 32 32 32] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from scale.design import Design, fold_sizes, label_tables, write_study  # noqa: F401  (used by tests/benchmarks)
from scale.measure import Plan, measure_device, measure_sharing, observe_pruning, steady_trial_rate  # noqa: F401
from scale.project import with_projection
from scale.report import markdown

from glioma_change.io import write_text_atomic
from glioma_change.progress import set_enabled
from glioma_change.study_config import DataSection
from glioma_change.training.runtime import COMPILE_MODES

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_MODES = {"cpu": ["off", "default"], "cuda": ["off", "default", "reduce-overhead"]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=1700, help="maps to build and load (paper: ≈1,700)")
    parser.add_argument("--patients", type=int, default=180, help="patients (paper: ≈180)")
    parser.add_argument(
        "--shape",
        type=int,
        nargs=3,
        default=list(DataSection.model_fields["input_shape"].default),
        metavar=("D", "H", "W"),
        help="map shape (default: the study's input shape)",
    )
    parser.add_argument(
        "--human-fraction",
        type=float,
        default=1 / 3,
        help="share of human-labelled patients (at least 10, for 5 folds)",
    )
    parser.add_argument("--full-maps", type=int, default=1700, help="maps of the projected study")
    parser.add_argument("--full-patients", type=int, default=180, help="patients of the projected study")
    parser.add_argument("--device", nargs="+", default=None, help="devices (default: cpu, and cuda when present)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--batches", type=int, default=4, help="batches per epoch and phase while measuring")
    parser.add_argument("--epochs-measure", type=int, default=4, help="epochs per measured run (at least 3)")
    parser.add_argument("--threshold", type=float, default=0.75, help="weak-label threshold")
    parser.add_argument(
        "--compile",
        nargs="+",
        default=None,
        choices=COMPILE_MODES,
        help="compile modes to measure (default: off default on CPU; off default reduce-overhead on CUDA)",
    )
    parser.add_argument(
        "--share",
        type=int,
        nargs="*",
        default=None,
        help="`tune --workers N` counts sharing one device, the first 1 (default 1 2 4; none with --smoke)",
    )
    parser.add_argument("--share-device", default="cuda", help="device of the sharing measurement (cuda; cpu to try)")
    parser.add_argument("--share-trials", type=int, default=6, help="trials per worker in the sharing measurement")
    parser.add_argument("--share-epochs", type=int, default=6, help="epochs per fold of a sharing trial")
    parser.add_argument(
        "--pruning-trials", type=int, default=0, help="real Optuna trials to observe pruning (0: assume --prune-factor)"
    )
    parser.add_argument("--pruning-epochs", type=int, default=6, help="epochs per fold in the pruning run")
    parser.add_argument(
        "--prune-factor",
        type=float,
        default=0.5,
        help="assumed fraction of epochs run (early stopping + pruning) when not observed",
    )
    parser.add_argument("--trials", type=int, default=20, help="projected trials per network and strategy")
    parser.add_argument("--epochs", type=int, default=60, help="projected epochs per fold (paper: 60)")
    parser.add_argument("--pretrain-epochs", type=int, default=60, help="projected epochs of one pre-training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-batches", type=int, default=None, help="projected cap on batches per epoch")
    parser.add_argument("--smoke", action="store_true", help="a tiny run in seconds (for the test)")
    parser.add_argument(
        "--project-from",
        type=Path,
        help="re-project from the measurements of an earlier study_scale.json (no measuring)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for study_scale.json and .md")
    args = parser.parse_args(argv)
    if args.share is None and not args.smoke:
        args.share = [1, 2, 4]
    if args.smoke:
        args.maps, args.patients, args.shape = 30, 12, [8, 8, 8]
        args.batches, args.batch_size, args.epochs_measure = 1, 4, 3
        args.share = [] if args.share is None else args.share
        args.threads = args.threads or 1
        args.compile = args.compile or ["off"]
    return args


def measure_all(args: argparse.Namespace, plan: Plan) -> dict[str, Any]:
    """Build the synthetic set; measure every device, GPU sharing and pruning (no projection yet)."""
    human = min(args.patients, max(10, round(args.human_fraction * args.patients)))
    design = Design(args.maps, args.patients, tuple(args.shape), human)
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    budget = {
        "epochs": plan.epochs,
        "patience": 2,
        "pretrain_epochs": 2,
        "max_batches_per_epoch": plan.batches,
        "pretrain_batch_size": plan.batch_size,
    }
    search = {"width": {"vgg": [0.5, 1.0], "resnext": [0.25]}, "batch_size": [plan.batch_size]}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        study_file = write_study(Path(tmp), design, budget, search)
        build_s = time.perf_counter() - start
        measured = [
            measure_device(study_file, d, plan, args.threshold, args.compile or DEFAULT_MODES[d]) for d in devices
        ]
        sharing, note = [], "not measured (no CUDA device here)"
        if args.share and (args.share_device != "cuda" or torch.cuda.is_available()):
            sharing = measure_sharing(
                study_file,
                args.share_device,
                plan,
                args.threshold,
                args.share,
                args.share_trials,
                args.share_epochs,
                Path(tmp),
            )
            note = (
                f"VGG width 1.0 `mixed`, {args.share_trials} trials per worker of {args.share_epochs} epochs × "
                f"{plan.batches} batches of {plan.batch_size} per fold, no pruning, 1 CPU thread per worker"
            )
        elif not args.share:
            note = "not measured (--share empty)"
        if args.pruning_trials:
            pruning = observe_pruning(study_file, args.pruning_trials, args.pruning_epochs, Path(tmp))
            pruning["source"] = (
                f"observed: {pruning['trials']} real trials, median pruner, {pruning['epochs']} "
                f"epochs × 5 folds, patience {pruning['patience']}, {pruning['pruned']} pruned"
            )
        else:
            pruning = {"factor": args.prune_factor, "source": "assumed (--prune-factor), not observed"}
    return {
        "settings": {
            "maps": args.maps,
            "patients": args.patients,
            "shape": list(args.shape),
            "human_patients": human,
            "batches": plan.batches,
            "batch_size": plan.batch_size,
            "epochs_measured": plan.epochs,
            "threshold": args.threshold,
            "smoke": args.smoke,
            "build_s": build_s,
            "maps_made_by": "noise σ 0.3 + signed Gaussian blob (unstable), NIfTI 1.5 mm, no image pipeline",
        },
        "torch": torch.__version__,
        "cpu_cores": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "cuda_available": torch.cuda.is_available(),
        "devices": measured,
        "sharing": sharing,
        "sharing_note": note,
        "sharing_device": args.share_device,
        "pruning": pruning,
        "gpu_figures_owed": not any(d["device"] == "cuda" for d in measured),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    set_enabled(False)
    if args.threads:
        torch.set_num_threads(args.threads)
    plan = Plan(args.epochs_measure, args.batches, args.batch_size)
    if plan.epochs < 3:
        raise SystemExit("--epochs-measure must be at least 3 (two intervals between epoch ends)")
    if args.project_from is not None:
        measured = json.loads(args.project_from.read_text())
    else:
        measured = measure_all(args, plan)
    result = with_projection(measured, args)
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(json.dumps(result, indent=2) + "\n", args.out / "study_scale.json")
    table = markdown(result)
    write_text_atomic(table, args.out / "study_scale.md")
    print(table)


if __name__ == "__main__":
    main()
