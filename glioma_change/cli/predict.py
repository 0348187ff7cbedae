"""`glioma-change predict`: score unlabelled difference maps with a run's fold ensemble."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the `predict` command."""

    @app.command("predict")
    def predict_command(
        run: Path = typer.Option(..., "--run", help="Run directory written by `tune` or `train` (models/fold-*/*.pt)."),
        maps: Path = typer.Option(
            ..., "--maps", help="Difference maps: a `diffmaps` output folder or any folder of *_T2wdiff.nii.gz."
        ),
        out: Path = typer.Option(
            ..., "--out", "-o", help="Predictions CSV (model, network, strategy, patient_id, pair_id, prob, n_folds)."
        ),
        model: list[str] = typer.Option(
            [], "--model", help="Only this model (e.g. best, vgg/mixed); repeatable. Default: all."
        ),
    ) -> None:
        """P(unstable) of every map for each model of the run, averaged over the folds' refitted models (no labels
        needed). Writes PRED.csv, PRED_folds.csv (each fold's model) and PRED_errors.csv (unreadable maps)."""
        from glioma_change.evaluation.predict import predict_maps

        table = predict_maps(run, maps, out, model or None)
        typer.echo(f"{table['pair_id'].nunique()} map(s) × {table['model'].nunique()} model(s) → {out}")
