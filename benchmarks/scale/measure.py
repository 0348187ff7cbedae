"""What `study_scale` measures: training and validation throughput per device, compile mode, network and
strategy; sharing one device between `tune --workers N`; the pruning a real study observes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from glioma_change.data import join_maps_labels, make_folds
from glioma_change.models import ModelSpec
from glioma_change.study_config import BudgetSection, StudyConfig, load_study_config
from glioma_change.training.loop import LoopSettings, Samples, fit, predict
from glioma_change.training.params import TrainParams
from glioma_change.training.runtime import Runtime
from glioma_change.training.strategies import StrategyContext, train_fold
from glioma_change.training.study_data import StudyData, split_fold

STRATEGIES = ("baseline", "mixed", "finetune")


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
    return BudgetSection(
        epochs=epochs,
        patience=epochs + 1,
        pretrain_epochs=epochs,
        pretrain_batch_size=plan.batch_size,
        max_batches_per_epoch=plan.batches,
    )


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


def measure(
    runtime: Runtime, plan: Plan, run: Run, val: Samples, probe: Samples, samples_per_epoch: int, phases: int
) -> dict[str, Any]:
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
        "cold_s": cold,
        "warm_s": warm,
        "epoch_s": epoch_s,
        "first_run_overhead_s": max(cold - warm, 0.0),
        "run_overhead_s": max(warm - phases * plan.epochs * epoch_s, 0.0),
        "train_samples_per_epoch": samples_per_epoch,
        "train_samples_per_s": samples_per_epoch / train_s,
        "val_samples": len(val),
        "eval_samples_per_s": len(val) / max(eval_s, 1e-6),
        "peak_mem_mib": torch.cuda.max_memory_allocated(runtime.device) / 2**20 if cuda else None,
        "gpu_util_pct": sampler.mean() if cuda else None,
    }


def measure_strategy(
    data: StudyData, config: StudyConfig, runtime: Runtime, plan: Plan, network: str, strategy: str, threshold: float
) -> dict[str, Any]:
    """One network and strategy on fold 0 through `train_fold` (the registered strategy and loop; compiled
    when `runtime.compile_mode` says so)."""
    params = TrainParams(
        network=network,
        strategy=strategy,
        width=1.0,
        batch_size=plan.batch_size,
        aug_strength=0.5,
        weak_threshold=threshold,
        lr=1e-3,
    )
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


def measure_baseline(
    data: StudyData, config: StudyConfig, runtime: Runtime, plan: Plan, threshold: float
) -> dict[str, Any]:
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
        "name": torch.cuda.get_device_name(runtime.device)
        if runtime.device.type == "cuda"
        else platform.processor() or platform.machine(),
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
        spans.setdefault(t.user_attrs["worker"], []).append(
            (t.datetime_start.timestamp(), t.datetime_complete.timestamp())
        )
    if len(spans) < workers:
        raise RuntimeError(
            f"only {len(spans)} of {workers} workers ran trials: the others started after the "
            "study was done; give each more or longer trials (--share-trials, --share-epochs)"
        )
    t0 = max(min(b for _, b in v) for v in spans.values())
    t1 = min(max(b for _, b in v) for v in spans.values())
    if t1 <= t0:
        raise RuntimeError("no window with every worker past its first trial: give each more trials (--share-trials)")
    done = sum(max(0.0, min(b, t1) - max(a, t0)) / (b - a) for v in spans.values() for a, b in v)
    return done / (t1 - t0), t1 - t0


def measure_sharing(
    study_file: Path,
    device: str,
    plan: Plan,
    threshold: float,
    counts: list[int],
    trials_per_worker: int,
    epochs: int,
    root: Path,
) -> list[dict[str, Any]]:
    """N workers of `tune --workers N` (`tuning.workers.HelperWorkers`) on the built set for each N in `counts`.

    All N are helper processes started together (the command's own worker would start its trials
    while they are still loading), so they reach the study at about the same time; no refit.
    """
    import logging

    import optuna

    from glioma_change.tuning.storage import make_storage
    from glioma_change.tuning.study import open_study
    from glioma_change.tuning.workers import HelperWorkers, WorkerJob

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    overrides = [
        f"device={device}",
        "search.networks=[vgg]",
        "search.strategies=[mixed]",
        "search.width.vgg=[1.0]",
        "search.dropout=[0.0]",
        f"search.batch_size=[{plan.batch_size}]",
        f"search.weak_threshold=[{threshold}]",
        "search.aug_strength=[0.5, 0.5]",
        f"budget.epochs={epochs}",
        f"budget.patience={epochs + 1}",
        f"budget.max_batches_per_epoch={plan.batches}",
        "study.pruner_startup_trials=100000",
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
        codes = HelperWorkers(
            WorkerJob(config, run, url, n * trials_per_worker, None, logging.WARNING, optuna.logging.WARNING), n
        ).join()
        wall = time.perf_counter() - start
        if any(codes):
            raise RuntimeError(f"sharing run with {n} workers: exit codes {codes}")
        trials = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        rate, window = steady_trial_rate(trials, n)
        rows.append(
            {
                "workers": n,
                "trials": len(trials),
                "distinct_workers": len({t.user_attrs["worker"] for t in trials}),
                "trials_per_hour": rate * 3600.0,
                "window_s": window,
                "command_wall_s": wall,
                "train_samples_per_s": rate * samples_per_trial,
            }
        )
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
    from glioma_change.tuning.storage import make_storage
    from glioma_change.tuning.study import open_study, run_worker
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
    return {
        "trials": len(trials),
        "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in trials),
        "epochs": epochs,
        "patience": config.budget.patience,
        "epoch_steps_run": ran,
        "epoch_steps_possible": possible,
        "factor": ran / possible if possible else 1.0,
    }
