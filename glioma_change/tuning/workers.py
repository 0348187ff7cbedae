"""Helper trial workers that one `tune` command starts beside itself on the same machine and device.

A small network (the paper's VGG) leaves most of a GPU idle: launches, not arithmetic, bound it. With
`tune --workers N`, the command runs N − 1 helper processes next to its own worker; each loads the
maps into its own `MapBank` on the device, joins the study through the same storage and runs trials
until the study's target is reached, exactly like a worker started by hand. The pre-training cache and
the trial models are shared through the run directory (file locks, atomic writes). Only the command's
own process refits, after every helper has ended. HelperWorkers are spawned (not forked), so CUDA works in
them; a helper that dies loses only its running trial, which the heartbeat check fails and re-queues.
"""

from __future__ import annotations

import logging
import multiprocessing
from dataclasses import dataclass
from pathlib import Path

import optuna
import torch

from glioma_change.logging_setup import configure
from glioma_change.run_layout import RunLayout
from glioma_change.seeding import seed_everything
from glioma_change.study_config import StudyConfig
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.objective import Objective
from glioma_change.tuning.storage import make_storage, retrying
from glioma_change.tuning.study import open_study, run_worker
from glioma_change.tuning.trial_models import TrialModels

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerJob:
    """What a helper needs to join a study: the study, its run directory and storage, the target."""

    config: StudyConfig
    run_dir: Path
    storage_url: str
    n_trials: int
    timeout_s: float | None
    log_level: int
    optuna_verbosity: int


def run_caches(run_dir: Path) -> tuple[PretrainCache, TrialModels]:
    """The pre-training cache and the trial models of a run directory, shared by all its workers."""
    layout = RunLayout(run_dir)
    return PretrainCache(layout.pretrain_cache), TrialModels(layout.trial_models)


def worker_runtime(config: StudyConfig) -> Runtime:
    """A worker process's torch threads and seeds set from the study, and its runtime."""
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    seed_everything(config.seed)
    return Runtime.create(config.device, config.compile)


def run_trials(
    study: optuna.Study,
    config: StudyConfig,
    data: StudyData,
    runtime: Runtime,
    cache: PretrainCache,
    models: TrialModels,
    n_trials: int,
    timeout_s: float | None,
) -> None:
    """This process's trials of the study until it holds `n_trials` finished ones (`tuning.study.run_worker`)."""
    objective = Objective(config, data, runtime, cache, models)
    run_worker(study, objective, config, n_trials, timeout_s, callbacks=[models.keep_best])


def run_helper(job: WorkerJob, index: int) -> None:
    """Body of helper `index`: its own runtime and map bank, then trials until the study's target."""
    configure(quiet=job.log_level > logging.INFO)  # progress bars of several processes would interleave
    logging.getLogger().setLevel(job.log_level)
    optuna.logging.set_verbosity(job.optuna_verbosity)
    from glioma_change import progress

    progress.set_enabled(False)
    config = job.config
    runtime = worker_runtime(config)
    data = StudyData(config, runtime.device)
    storage = make_storage(job.storage_url, config)
    study = retrying(lambda: open_study(config, storage), f"helper {index}: opening the study")
    log.info("helper worker %d joined study %r on %s", index, config.study.name, runtime.device)
    try:
        run_trials(study, config, data, runtime, *run_caches(job.run_dir), job.n_trials, job.timeout_s)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; its running trial is queued again
        return


class HelperWorkers:
    """N helper processes running `run_helper`; `join` waits for all and logs any that failed."""

    def __init__(self, job: WorkerJob, count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.procs = [
            context.Process(target=run_helper, args=(job, i + 1), name=f"tune-helper-{i + 1}") for i in range(count)
        ]
        for proc in self.procs:
            proc.start()

    def join(self) -> list[int]:
        """Wait for every helper; their exit codes (0: reached the target or its timeout)."""
        codes = []
        for proc in self.procs:
            proc.join()
            codes.append(proc.exitcode if proc.exitcode is not None else -1)
            if proc.exitcode:
                log.error(
                    "%s ended with exit code %s; its trials were kept, its running one re-queued",
                    proc.name,
                    proc.exitcode,
                )
        return codes

    def terminate(self) -> None:
        """Stop every helper still running (the command is being interrupted)."""
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs:
            proc.join()
