"""`glioma-change train`: one configuration trained on every outer fold, without tuning."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SET
from glioma_change.cli.tune import STUDY_SEED, study_overrides


def register(app: typer.Typer) -> None:
    """Add the `train` command."""

    @app.command("train")
    def train_command(
        study_file: Path = typer.Argument(..., help="Study configuration (YAML): data, folds, budget."),
        params: str = typer.Option(
            ...,
            "--params",
            help="`best` (the best trial of the `tune` run in --tuned) or a JSON file of parameters.",
        ),
        tuned: Path = typer.Option(
            Path("run"), "--tuned", help="Run directory of an earlier `tune` (for --params best)."
        ),
        out: Path = typer.Option(Path("run-train"), "--out", "-o", help="Run directory for models and predictions."),
        seed: int | None = STUDY_SEED,
        overrides: list[str] = SET,
    ) -> None:
        """Train one configuration (network, strategy, hyperparameters) on the training part of every outer
        fold with early stopping on its validation patients, then predict validation and test pairs. Writes
        the same predictions.csv, best_params.json, strategy_table.csv and models/ as `tune`."""
        from glioma_change.run_layout import RunLayout
        from glioma_change.study_config import load_study_config
        from glioma_change.training.params import read_params_file
        from glioma_change.tuning.train import train

        config = load_study_config(study_file, study_overrides(seed, overrides))
        chosen = read_params_file(RunLayout(tuned).best_params if params == "best" else Path(params))
        typer.echo(train(config, chosen, out).to_string(index=False))
