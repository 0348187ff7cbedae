"""`glioma-change tune`: an Optuna study over strategies and hyperparameters, then per-fold refits."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SET

STUDY_SEED = typer.Option(
    None, "--seed", help="Seed for every random source; overrides the study file's `seed` only when given."
)
INTERRUPTED = "interrupted; rerun the same command to resume"


def study_overrides(seed: int | None, overrides: list[str]) -> list[str]:
    """`--set` overrides plus `seed=<--seed>` when `--seed` was given."""
    return list(overrides) if seed is None else [*overrides, f"seed={seed}"]


def register(app: typer.Typer) -> None:
    """Add the `tune` command."""

    @app.command("tune")
    def tune_command(
        study_file: Path = typer.Argument(..., help="Study configuration (YAML): data, folds, budget, search space."),
        storage: str | None = typer.Option(
            None,
            "--storage",
            help="Optuna storage shared by workers: an SQLAlchemy URL (default: sqlite RUN/study.db) "
            "or grpc://HOST:PORT of an Optuna storage proxy.",
        ),
        storage_wait: float = typer.Option(
            120.0,
            "--storage-wait",
            min=0,
            help="Seconds to keep retrying an unreachable database server before giving up (one log line per try).",
        ),
        n_trials: int | None = typer.Option(
            None, "--n-trials", min=1, help="Total finished trials the study should reach (all workers together)."
        ),
        timeout: float | None = typer.Option(
            None, "--timeout", min=1, help="Stop starting new trials after this many seconds."
        ),
        out: Path = typer.Option(
            Path("run"), "--out", "-o", help="Run directory for the study, models and predictions."
        ),
        workers: int = typer.Option(
            1,
            "--workers",
            min=1,
            help="Trial workers this command runs on this machine's device (helper processes, each with its own "
            "copy of the maps); several small-model trials share one GPU this way. The refit waits for all.",
        ),
        seed: int | None = STUDY_SEED,
        overrides: list[str] = SET,
    ) -> None:
        """Tune strategy, weak-label threshold, capacity and optimiser settings by the inner-validation AUC
        over the outer folds (test patients never seen), at least `study.min_trials_per_combination` completed
        trials per network and strategy, resumable (Ctrl-C, then the same command) and shareable between
        workers; a study refuses other settings than it was created with. Then refit the best configuration
        per network and strategy on every fold of `folds.repeats` repeats of the cross-validation and predict
        its validation and test pairs. Writes predictions.csv, best_params.json, trials.csv,
        strategy_table.csv and models/."""
        from glioma_change.study_config import load_study_config
        from glioma_change.tuning.run import tune
        from glioma_change.tuning.storage_check import check_storage_url, wait_for_storage

        if storage is not None:  # before anything is loaded: a bad URL or a dead server fails in one line
            check_storage_url(storage)
        config = load_study_config(study_file, study_overrides(seed, overrides))
        if storage is not None:
            wait_for_storage(storage, storage_wait)
        try:
            table = tune(config, out, storage, n_trials, timeout, workers)
        except KeyboardInterrupt:
            typer.echo(INTERRUPTED, err=True)
            raise typer.Exit(130) from None
        if table is not None:
            typer.echo(table.to_string(index=False))
