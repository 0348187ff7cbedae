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

`--share 1 2 4` runs N workers of `tune --workers N` (`tuning.workers.Helpers`, each with its own
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
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pandas as pd
import torch
import yaml
from torch import nn

from glioma_change.data import join_maps_labels, make_folds
from glioma_change.formats import LABEL_COLUMNS, pair_id
from glioma_change.io import write_text_atomic
from glioma_change.models import ModelSpec
from glioma_change.progress import set_enabled
from glioma_change.seeding import derive_seed
from glioma_change.study_config import BudgetSection, DataSection, SearchSpace, StudyConfig, load_study_config
from glioma_change.training.loop import LoopSettings, Samples, fit, predict
from glioma_change.training.params import TrainParams
from glioma_change.training.runtime import COMPILE_MODES, Runtime
from glioma_change.training.strategies import StrategyContext, train_fold
from glioma_change.training.study_data import StudyData, split_fold

RESULTS = Path(__file__).resolve().parent / "results"
STRATEGIES = ("baseline", "mixed", "finetune")
PAPER_GPU_DAYS_PER_FOLD = (9.0, 16.0)
GOAL_GPU_HOURS = 4.0
DEFAULT_MODES = {"cpu": ["off", "default"], "cuda": ["off", "default", "reduce-overhead"]}
PROJECTED_WITH = {"baseline": "baseline", "mixed": "mixed", "finetune": "finetune", "feature_extract": "finetune"}


# ---------------------------------------------------------------- synthetic study

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
        stem = pair_id(pid, a, b)
        manifest.append({"patient_id": pid, "comparative_date": a, "exam_date": b, "pair_id": stem,
                         "diff_path": f"{stem}_T2wdiff.nii", "absdiff_path": "", "qc_path": "", "status": "ok",
                         "error": ""})
        y = int(unstable)
        if is_human:
            human.append({"patient_id": pid, "comparative_date": a, "exam_date": b, "global_label": y,
                          "global_prob": float(y), "t2_label": y, "t2_prob": float(y), "source": "human"})
        prob = float(np.clip(0.9 * y + 0.05 + gen.normal(0.0, 0.08), 0.0, 1.0))
        weak.append({"patient_id": pid, "comparative_date": a, "exam_date": b, "global_label": int(prob >= 0.5),
                     "global_prob": prob, "t2_label": int(prob >= 0.5), "t2_prob": prob, "source": "rules"})
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
        "data": {"manifest": "maps/manifest.csv", "human_labels": "human_labels.csv", "weak_labels": "weak_labels.csv",
                 "input_shape": list(design.shape)},
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


# ---------------------------------------------------------------- measuring

class Baseline(nn.Module):
    """One 3×3×3 convolution (8 channels), ReLU, global average pooling, one logit."""

    def __init__(self, in_channels: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv3d(in_channels, 8, 3, padding=1)
        self.fc = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4))).squeeze(1)


class UtilSampler:
    """GPU utilisation (%) sampled every 0.2 s in a thread while active; None where not measurable."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime, self._stop = runtime, threading.Event()
        self.values: list[float] = []

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.values.append(float(torch.cuda.utilization(self.runtime.device)))
            except Exception:  # pynvml missing or the query unsupported: reported as n/a
                return

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        if self.runtime.device.type != "cuda":
            yield
            return
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()

    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None


def _sync(runtime: Runtime) -> None:
    if runtime.device.type == "cuda":
        torch.cuda.synchronize()


def _clock(runtime: Runtime, fn: Callable[[], object]) -> float:
    _sync(runtime)
    start = time.perf_counter()
    fn()
    _sync(runtime)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Plan:
    """Epochs per measured run (at least 3), batches per epoch and phase, and batch size."""

    epochs: int
    batches: int
    batch_size: int


def budget_for(plan: Plan, epochs: int) -> BudgetSection:
    """A budget running exactly `epochs` epochs of `plan.batches` batches per phase (no early stop)."""
    return BudgetSection(epochs=epochs, patience=epochs + 1, pretrain_epochs=epochs,
                         pretrain_batch_size=plan.batch_size, max_batches_per_epoch=plan.batches)


class EpochClock:
    """An epoch callback recording when each epoch (training + validation) ended."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ends: list[float] = []

    def __call__(self, epoch: int, score: float) -> None:
        _sync(self.runtime)
        self.ends.append(time.perf_counter())

    def steady_epoch_s(self) -> float:
        """Median time between consecutive epoch ends."""
        return statistics.median(b - a for a, b in zip(self.ends, self.ends[1:]))


Run = Callable[[int, EpochClock | None], nn.Module]
"""Train for some epochs, reporting epoch ends to the clock (of the last training phase); return the model."""


def probe(samples: Samples, n: int) -> Samples:
    """The first `n` samples: the validation set of timed runs (keeps validation small within an epoch)."""
    return samples.take(slice(0, n))


def measure(runtime: Runtime, plan: Plan, run: Run, val: Samples, probe: Samples, samples_per_epoch: int,
            phases: int) -> dict[str, Any]:
    """Time a cold and a warm run of `plan.epochs` epochs (validating on `probe`); see the module docstring.

    `phases`: training phases of the run (2 for pre-training + fine-tuning), for the per-run overhead.
    """
    cuda = runtime.device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(runtime.device)
    sampler = UtilSampler(runtime)
    cold = _clock(runtime, lambda: run(plan.epochs, None))
    clock = EpochClock(runtime)
    box: dict[str, nn.Module] = {}
    with sampler.active():
        warm = _clock(runtime, lambda: box.setdefault("model", run(plan.epochs, clock)))
    model = box["model"]
    probe_s = min(_clock(runtime, lambda: predict(model, probe, runtime)) for _ in range(3))
    eval_s = min(_clock(runtime, lambda: predict(model, val, runtime)) for _ in range(2))
    epoch_s = clock.steady_epoch_s()
    train_s = max(epoch_s - probe_s, 1e-6)
    return {
        "cold_s": cold, "warm_s": warm, "epoch_s": epoch_s, "first_run_overhead_s": max(cold - warm, 0.0),
        "run_overhead_s": max(warm - phases * plan.epochs * epoch_s, 0.0),
        "train_samples_per_epoch": samples_per_epoch, "train_samples_per_s": samples_per_epoch / train_s,
        "val_samples": len(val), "eval_samples_per_s": len(val) / max(eval_s, 1e-6),
        "peak_mem_mib": torch.cuda.max_memory_allocated(runtime.device) / 2**20 if cuda else None,
        "gpu_util_pct": sampler.mean() if cuda else None,
    }


def measure_strategy(data: StudyData, config: StudyConfig, runtime: Runtime, plan: Plan, network: str,
                     strategy: str, threshold: float) -> dict[str, Any]:
    """One network and strategy on fold 0 through `train_fold` (the registered strategy and loop; compiled
    when `runtime.compile_mode` says so)."""
    params = TrainParams(network=network, strategy=strategy, width=1.0, batch_size=plan.batch_size,
                         aug_strength=0.5, weak_threshold=threshold, lr=1e-3)
    full = data.fold(0, threshold)
    fold = dataclasses.replace(full, val=probe(full.val, plan.batch_size))
    spec = ModelSpec(network=network, in_channels=len(config.data.channels))

    def run(epochs: int, clock: EpochClock | None) -> nn.Module:
        ctx = StrategyContext(fold, params, spec, budget_for(plan, epochs), runtime, config.seed, callback=clock)
        return train_fold(ctx).model

    cap = plan.batches * plan.batch_size
    trained_on = fold.human_train.y if strategy != "mixed" else torch.cat([fold.human_train.y, fold.weak_train.y])
    phases = 2 if strategy == "finetune" else 1
    return measure(runtime, plan, run, full.val, fold.val, min(len(trained_on), cap), phases)


def measure_baseline(data: StudyData, config: StudyConfig, runtime: Runtime, plan: Plan,
                     threshold: float) -> dict[str, Any]:
    """The one-convolution network trained by `fit` on fold 0's human + weak samples."""
    fold = data.fold(0, threshold)
    train = Samples.concat([fold.human_train, fold.weak_train])
    val = probe(fold.val, plan.batch_size)

    def run(epochs: int, clock: EpochClock | None) -> nn.Module:
        torch.manual_seed(0)
        model = Baseline(len(config.data.channels))
        settings = LoopSettings(epochs, epochs + 1, 1e-3, 0.0, plan.batch_size, 0.5, max_batches=plan.batches)
        fit(model, train, val, settings, runtime, seed=0, callback=clock)
        return model

    return measure(runtime, plan, run, fold.val, val, min(len(train), plan.batches * plan.batch_size), 1)


def measure_device(study_file: Path, device: str, plan: Plan, threshold: float, modes: list[str]) -> dict[str, Any]:
    """Map loading, then the baseline and every network × strategy under each compile mode on one device.

    Under a compile mode, dynamo's caches are reset and inductor's and Triton's on-disk caches moved to
    an empty folder once per network, as a fresh worker on a fresh machine starts: the first strategy's
    first-run overhead holds the compilation, later strategies reuse its graphs.
    """
    config = load_study_config(study_file, [f"device={device}"])
    runtime = Runtime.create(config.device)
    _sync(runtime)
    start = time.perf_counter()
    data = StudyData(config, runtime.device)
    _sync(runtime)
    load_s = time.perf_counter() - start
    base = measure_baseline(data, config, runtime, plan, threshold)
    rows = [{"network": "baseline (1 conv)", "strategy": "mixed", "compile": "off", **base, "ratio": 1.0}]
    for mode in modes:
        mode_runtime = dataclasses.replace(runtime, compile_mode=mode)
        for network in ("vgg", "resnext"):
            if mode != "off":  # a fresh worker on a fresh machine: no compiled graph in memory or on disk
                torch._dynamo.reset()
                torch._dynamo.utils.counters.clear()
                torch._dynamo.config.recompile_limit = 64
                cache = study_file.parent / f"inductor-{device}-{mode}-{network}"
                os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(cache)
                os.environ["TRITON_CACHE_DIR"] = str(cache / "triton")
            for strategy in STRATEGIES:
                print(f"[{device}] {network} {strategy} compile={mode}", file=sys.stderr, flush=True)
                m = measure_strategy(data, config, mode_runtime, plan, network, strategy, threshold)
                m["compiled_graphs"] = torch._dynamo.utils.counters["stats"]["unique_graphs"] if mode != "off" else None
                m["ratio"] = m["train_samples_per_s"] / base["train_samples_per_s"]
                rows.append({"network": network, "strategy": strategy, "compile": mode, **m})
    return {
        "device": device,
        "name": torch.cuda.get_device_name(runtime.device) if runtime.device.type == "cuda" else platform.processor()
        or platform.machine(),
        "threads": torch.get_num_threads(),
        "amp_dtype": str(runtime.amp_dtype).replace("torch.", "") if runtime.amp_dtype else None,
        "channels_last_3d": runtime.channels_last,
        "maps": len(data.bank),
        "map_loading_s": load_s,
        "bank_mib": data.bank.data.numel() * data.bank.data.element_size() / 2**20,
        "rows": rows,
    }


# ---------------------------------------------------------------- several trials on one GPU

def train_sizes(config: StudyConfig, threshold: float) -> list[int]:
    """Training samples (human + weak) of `mixed` in each fold of a study (the real join and folds)."""
    d = config.data
    rows = join_maps_labels(d.manifest, d.human_labels, d.weak_labels, 0.5, label=d.label)
    folds = make_folds(rows, config.folds.n_folds, config.seed, config.folds.val_fraction)
    joined = join_maps_labels(d.manifest, d.human_labels, d.weak_labels, threshold, label=d.label)
    return [sum(len(split_fold(joined, f)[k]) for k in ("human_train", "weak_train")) for f in folds]


def steady_trial_rate(trials: list[Any], workers: int) -> tuple[float, float]:
    """(trials per second, window seconds) while every worker was past its first trial and none had finished.

    The window runs from the moment the last worker finished its first trial (start-up, loading and
    warm-up are behind every worker) to the first worker's last trial end; each trial counts by the
    fraction of its duration inside the window (work assumed even over a trial). Each worker needs two
    trials at least.
    """
    spans: dict[str, list[tuple[float, float]]] = {}
    for t in trials:
        spans.setdefault(t.user_attrs["worker"], []).append((t.datetime_start.timestamp(),
                                                            t.datetime_complete.timestamp()))
    if len(spans) < workers:
        raise RuntimeError(f"only {len(spans)} of {workers} workers ran trials: the others started after the "
                           "study was done; give each more or longer trials (--share-trials, --share-epochs)")
    t0 = max(min(b for _, b in v) for v in spans.values())
    t1 = min(max(b for _, b in v) for v in spans.values())
    if t1 <= t0:
        raise RuntimeError("no window with every worker past its first trial: give each more trials (--share-trials)")
    done = sum(max(0.0, min(b, t1) - max(a, t0)) / (b - a) for v in spans.values() for a, b in v)
    return done / (t1 - t0), t1 - t0


def measure_sharing(study_file: Path, device: str, plan: Plan, threshold: float, counts: list[int],
                    trials_per_worker: int, epochs: int, root: Path) -> list[dict[str, Any]]:
    """N workers of `tune --workers N` (`tuning.workers.Helpers`) on the built set for each N in `counts`.

    All N are helper processes started together (the command's own worker would start its trials
    while they are still loading), so they reach the study at about the same time; no refit.
    """
    import logging

    import optuna

    from glioma_change.tuning.study import make_storage, open_study
    from glioma_change.tuning.workers import Helpers, WorkerJob

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    overrides = [
        f"device={device}", "search.networks=[vgg]", "search.strategies=[mixed]", "search.width.vgg=[1.0]",
        "search.dropout=[0.0]", f"search.batch_size=[{plan.batch_size}]", f"search.weak_threshold=[{threshold}]",
        "search.aug_strength=[0.5, 0.5]", f"budget.epochs={epochs}", f"budget.patience={epochs + 1}",
        f"budget.max_batches_per_epoch={plan.batches}", "study.pruner_startup_trials=100000",
    ]
    config = load_study_config(study_file, overrides)
    cap = plan.batches * plan.batch_size
    samples_per_trial = sum(min(n, cap) for n in train_sizes(config, threshold)) * epochs
    rows = []
    for n in counts:
        run = root / f"share-{n}"
        url = f"sqlite:///{run / 'study.db'}"
        run.mkdir(parents=True)
        study = open_study(config, make_storage(url, config))
        start = time.perf_counter()
        codes = Helpers(WorkerJob(config, run, url, n * trials_per_worker, None, logging.WARNING,
                                  optuna.logging.WARNING), n).join()
        wall = time.perf_counter() - start
        if any(codes):
            raise RuntimeError(f"sharing run with {n} workers: exit codes {codes}")
        trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        rate, window = steady_trial_rate(trials, n)
        rows.append({"workers": n, "trials": len(trials), "distinct_workers": len({t.user_attrs["worker"] for t in trials}),
                     "trials_per_hour": rate * 3600.0, "window_s": window, "command_wall_s": wall,
                     "train_samples_per_s": rate * samples_per_trial})
        print(f"[share] {n} workers: {rate * 3600:.0f} trials/h", file=sys.stderr, flush=True)
    for row in rows:
        row["speedup_vs_1"] = row["trials_per_hour"] / rows[0]["trials_per_hour"] if counts[0] == 1 else None
    return rows


# ---------------------------------------------------------------- pruning observed

def observe_pruning(study_file: Path, n_trials: int, epochs: int, root: Path) -> dict[str, Any]:
    """Run `n_trials` real trials (Objective, median pruner); fraction of fold-epochs actually trained."""
    import optuna

    from glioma_change.training.pretrain_cache import PretrainCache
    from glioma_change.tuning.objective import Objective
    from glioma_change.tuning.study import make_storage, open_study, run_worker
    from glioma_change.tuning.trial_models import TrialModels

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    config = load_study_config(study_file, [f"budget.epochs={epochs}", f"budget.n_trials={n_trials}"])
    runtime = Runtime.create("auto")
    data = StudyData(config, runtime.device)
    study = open_study(config, make_storage(f"sqlite:///{root / 'prune.db'}", config))
    objective = Objective(config, data, runtime, PretrainCache(root / "cache"), TrialModels(root / "trials"))
    run_worker(study, objective, config, n_trials, None)
    trials = [t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]
    ran = sum(len(t.intermediate_values) for t in trials)
    possible = len(trials) * config.folds.n_folds * epochs
    return {"trials": len(trials), "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials),
            "epochs": epochs, "patience": config.budget.patience, "epoch_steps_run": ran,
            "epoch_steps_possible": possible, "factor": ran / possible if possible else 1.0}


# ---------------------------------------------------------------- projection

def project(device: dict[str, Any], sizes: dict[str, int], args: argparse.Namespace, factor: float,
            mode: str, share_speedup: float | None) -> dict[str, Any]:
    """Hours of the full study on one device from its rates under compile `mode` (see module docstring).

    `share_speedup`: the measured gain of several VGG workers on this device over one, applied to the
    VGG part of the study (the ResNeXt part is left unshared).
    """
    measured = [r for r in device["rows"] if r["compile"] == mode and r["network"] in ("vgg", "resnext")]
    rates = {(r["network"], r["strategy"]): r for r in measured}
    space = SearchSpace()
    cap = args.max_batches * args.batch_size if args.max_batches else None
    pretrain_users = [s for s in space.strategies if PROJECTED_WITH[s] == "finetune"]
    combos = []
    train_total = val_total = 0.0
    for network in ("vgg", "resnext"):
        distinct_pretrain = len(space.width[network]) * len(space.dropout) * len(space.weak_threshold)
        pretrain_runs = min(args.trials * len(pretrain_users), distinct_pretrain)
        for strategy in space.strategies:
            r = rates[(network, PROJECTED_WITH[strategy])]
            train_n = sizes["human_train"] + (sizes["weak_train"] if strategy == "mixed" else 0)
            train_n = min(train_n, cap) if cap else train_n
            epochs = args.trials * args.folds * args.epochs * factor  # epochs of this combination, all trials
            pre_epochs = 0.0
            weak_n = min(sizes["weak_train"], cap) if cap else sizes["weak_train"]
            if strategy in pretrain_users:  # this strategy's share of the cached pre-training runs
                pre_epochs = args.folds * args.pretrain_epochs * pretrain_runs / len(pretrain_users)
            train = epochs * train_n + pre_epochs * weak_n
            val = (epochs + pre_epochs) * sizes["val"]
            seconds = (train / r["train_samples_per_s"] + val / r["eval_samples_per_s"]
                       + args.trials * args.folds * r["run_overhead_s"])
            train_total, val_total = train_total + train, val_total + val
            combos.append({"network": network, "strategy": strategy, "epochs": epochs, "pretrain_epochs": pre_epochs,
                           "train_samples": train, "val_samples": val, "hours": seconds / 3600.0})
    worker_overhead_s = sum(r["first_run_overhead_s"] for r in measured)  # compilation: once per worker
    total = sum(c["hours"] for c in combos) + worker_overhead_s / 3600.0
    vgg = sum(c["hours"] for c in combos if c["network"] == "vgg")
    paper = [d * 24.0 * args.folds for d in PAPER_GPU_DAYS_PER_FOLD]
    return {"device": device["device"], "compile": mode, "hours": total, "hours_per_fold": total / args.folds,
            "worker_overhead_s": worker_overhead_s, "vgg_sharing_speedup": share_speedup,
            "hours_with_vgg_sharing": None if share_speedup is None else total - vgg + vgg / share_speedup,
            "paper_hours": paper, "speedup_vs_paper": [p / total for p in paper],
            "train_samples_total": train_total, "val_samples_total": val_total,
            "goal_hours": GOAL_GPU_HOURS, "speedup_needed_for_goal": total / GOAL_GPU_HOURS,
            "train_samples_per_s_needed_for_goal": train_total / (GOAL_GPU_HOURS * 3600.0),
            "combinations": combos}


# ---------------------------------------------------------------- report

def markdown(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines = [
        f"Study at scale: {s['maps']} synthetic maps from {s['patients']} patients at "
        f"{'×'.join(map(str, s['shape']))} ({s['human_patients']} human-labelled patients; "
        f"scaling to the paper's {s['full_maps']} maps: ×{s['full_maps'] / s['maps']:.1f}). Per run: "
        f"{s['batches']} batches of {s['batch_size']} per epoch and phase, epochs {s['epochs_measured']}. "
        "ratio = training samples/s over the one-convolution baseline of the same device and run.",
        "",
        "| device | network | strategy | compile | train samples/s | ratio | epoch s | first-run overhead s "
        "| eval samples/s | peak GPU MiB | GPU util % |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dev in result["devices"]:
        for r in dev["rows"]:
            mem = "n/a" if r["peak_mem_mib"] is None else f"{r['peak_mem_mib']:.0f}"
            util = "n/a" if r["gpu_util_pct"] is None else f"{r['gpu_util_pct']:.0f}"
            lines.append(
                f"| {dev['device']} ({dev['threads']} thr) | {r['network']} | {r['strategy']} | "
                f"{r['compile']} | {r['train_samples_per_s']:.1f} | {r['ratio']:.3f} | "
                f"{r['epoch_s']:.2f} | {r['first_run_overhead_s']:.1f} | {r['eval_samples_per_s']:.1f} | {mem} "
                f"| {util} |")
    if result["sharing"]:
        lines += ["", f"`tune --workers N` on one {result['sharing_device']} device ({result['sharing_note']}):", "",
                  "| workers | trials | processes that ran trials | trials/h | training samples/s | speed-up over 1 "
                  "| steady window s | command wall s |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['workers']} | {r['trials']} | {r['distinct_workers']} | {r['trials_per_hour']:.0f} | "
                  f"{r['train_samples_per_s']:.1f} | "
                  f"{'n/a' if r['speedup_vs_1'] is None else format(r['speedup_vs_1'], '.2f')} | {r['window_s']:.1f} "
                  f"| {r['command_wall_s']:.1f} |" for r in result["sharing"]]
    else:
        lines += ["", f"Sharing one GPU between trials: {result['sharing_note']}"]
    pr = result["pruning"]
    lines += ["", f"Pruning factor {pr['factor']:.2f} ({pr['source']})."]
    p = result["projection_settings"]
    lines += [
        "",
        f"Projected full study ({p['folds']} folds × {p['trials']} trials per network and strategy × "
        f"{p['epochs']} epochs × pruning factor, cached pre-training of {p['pretrain_epochs']} epochs; fold 0 of "
        f"the paper-sized set: {p['fold_sizes']}):",
        "",
        "| device | compile | hours | hours per fold | with VGG workers sharing | paper (9–16 GPU-days per fold), "
        f"hours | times faster | speed-up needed for {GOAL_GPU_HOURS:.0f} h | training samples/s needed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pj in result["projections"]:
        shared = "n/a" if pj["hours_with_vgg_sharing"] is None else (
            f"{pj['hours_with_vgg_sharing']:.1f} (×{pj['vgg_sharing_speedup']:.2f} on VGG)")
        lines.append(f"| {pj['device']} | {pj['compile']} | {pj['hours']:.1f} | "
                     f"{pj['hours_per_fold']:.1f} | {shared} | {pj['paper_hours'][0]:.0f}–{pj['paper_hours'][1]:.0f} | "
                     f"{pj['speedup_vs_paper'][0]:.1f}–{pj['speedup_vs_paper'][1]:.1f} | "
                     f"{pj['speedup_needed_for_goal']:.1f} | {pj['train_samples_per_s_needed_for_goal']:.0f} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=1700, help="maps to build and load (paper: ≈1,700)")
    parser.add_argument("--patients", type=int, default=180, help="patients (paper: ≈180)")
    parser.add_argument("--shape", type=int, nargs=3, default=list(DataSection.model_fields["input_shape"].default),
                        metavar=("D", "H", "W"), help="map shape (default: the study's input shape)")
    parser.add_argument("--human-fraction", type=float, default=1 / 3,
                        help="share of human-labelled patients (at least 10, for 5 folds)")
    parser.add_argument("--full-maps", type=int, default=1700, help="maps of the projected study")
    parser.add_argument("--full-patients", type=int, default=180, help="patients of the projected study")
    parser.add_argument("--device", nargs="+", default=None, help="devices (default: cpu, and cuda when present)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--batches", type=int, default=4, help="batches per epoch and phase while measuring")
    parser.add_argument("--epochs-measure", type=int, default=4, help="epochs per measured run (at least 3)")
    parser.add_argument("--threshold", type=float, default=0.75, help="weak-label threshold")
    parser.add_argument("--compile", nargs="+", default=None, choices=COMPILE_MODES,
                        help="compile modes to measure (default: off default on CPU; off default reduce-overhead on CUDA)")
    parser.add_argument("--share", type=int, nargs="*", default=None,
                        help="`tune --workers N` counts sharing one device, the first 1 (default 1 2 4; none with --smoke)")
    parser.add_argument("--share-device", default="cuda", help="device of the sharing measurement (cuda; cpu to try)")
    parser.add_argument("--share-trials", type=int, default=6, help="trials per worker in the sharing measurement")
    parser.add_argument("--share-epochs", type=int, default=6, help="epochs per fold of a sharing trial")
    parser.add_argument("--pruning-trials", type=int, default=0,
                        help="real Optuna trials to observe pruning (0: assume --prune-factor)")
    parser.add_argument("--pruning-epochs", type=int, default=6, help="epochs per fold in the pruning run")
    parser.add_argument("--prune-factor", type=float, default=0.5,
                        help="assumed fraction of epochs run (early stopping + pruning) when not observed")
    parser.add_argument("--trials", type=int, default=20, help="projected trials per network and strategy")
    parser.add_argument("--epochs", type=int, default=60, help="projected epochs per fold (paper: 60)")
    parser.add_argument("--pretrain-epochs", type=int, default=60, help="projected epochs of one pre-training")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-batches", type=int, default=None, help="projected cap on batches per epoch")
    parser.add_argument("--smoke", action="store_true", help="a tiny run in seconds (for the test)")
    parser.add_argument("--project-from", type=Path,
                        help="re-project from the measurements of an earlier study_scale.json (no measuring)")
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
    budget = {"epochs": plan.epochs, "patience": 2, "pretrain_epochs": 2, "max_batches_per_epoch": plan.batches,
              "pretrain_batch_size": plan.batch_size}
    search = {"width": {"vgg": [0.5, 1.0], "resnext": [0.25]}, "batch_size": [plan.batch_size]}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        study_file = write_study(Path(tmp), design, budget, search)
        build_s = time.perf_counter() - start
        measured = [measure_device(study_file, d, plan, args.threshold, args.compile or DEFAULT_MODES[d])
                    for d in devices]
        sharing, note = [], "not measured (no CUDA device here)"
        if args.share and (args.share_device != "cuda" or torch.cuda.is_available()):
            sharing = measure_sharing(study_file, args.share_device, plan, args.threshold, args.share,
                                      args.share_trials, args.share_epochs, Path(tmp))
            note = (f"VGG width 1.0 `mixed`, {args.share_trials} trials per worker of {args.share_epochs} epochs × "
                    f"{plan.batches} batches of {plan.batch_size} per fold, no pruning, 1 CPU thread per worker")
        elif not args.share:
            note = "not measured (--share empty)"
        if args.pruning_trials:
            pruning = observe_pruning(study_file, args.pruning_trials, args.pruning_epochs, Path(tmp))
            pruning["source"] = (f"observed: {pruning['trials']} real trials, median pruner, {pruning['epochs']} "
                                 f"epochs × 5 folds, patience {pruning['patience']}, {pruning['pruned']} pruned")
        else:
            pruning = {"factor": args.prune_factor, "source": "assumed (--prune-factor), not observed"}
    return {
        "settings": {"maps": args.maps, "patients": args.patients, "shape": list(args.shape),
                     "human_patients": human, "batches": plan.batches, "batch_size": plan.batch_size,
                     "epochs_measured": plan.epochs, "threshold": args.threshold, "smoke": args.smoke,
                     "build_s": build_s,
                     "maps_made_by": "noise σ 0.3 + signed Gaussian blob (unstable), NIfTI 1.5 mm, no image pipeline"},
        "torch": torch.__version__, "cpu_cores": os.cpu_count(), "load_average": list(os.getloadavg()),
        "cuda_available": torch.cuda.is_available(),
        "devices": measured, "sharing": sharing, "sharing_note": note, "sharing_device": args.share_device,
        "pruning": pruning,
        "gpu_figures_owed": not any(d["device"] == "cuda" for d in measured),
    }


def with_projection(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """`result` with the projection of the full study (`--full-maps`, `--trials`, ...) from its rates."""
    s = result["settings"]
    full = Design(args.full_maps, args.full_patients, tuple(s["shape"]),
                  max(10, round(args.human_fraction * args.full_patients)))
    sizes = fold_sizes(full, s["threshold"])
    gains = [r["speedup_vs_1"] for r in result["sharing"] if r["speedup_vs_1"] is not None]
    share = max([1.0, *gains]) if gains else None
    projections = [
        project(dev, sizes, args, result["pruning"]["factor"], mode,
                share if dev["device"] == result.get("sharing_device") else None)
        for dev in result["devices"] for mode in dict.fromkeys(r["compile"] for r in dev["rows"])
    ]
    settings = {**s, "full_maps": args.full_maps, "full_patients": args.full_patients}
    return {**result, "settings": settings,
            "projection_settings": {"folds": args.folds, "trials": args.trials, "epochs": args.epochs,
                                    "pretrain_epochs": args.pretrain_epochs, "max_batches": args.max_batches,
                                    "batch_size": args.batch_size, "fold_sizes": sizes},
            "projections": projections}


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
