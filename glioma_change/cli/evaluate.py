"""`glioma-change evaluate`: metrics with CIs, paired comparisons, plots and the HTML report of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from glioma_change.cli.common import SEED


def register(app: typer.Typer) -> None:
    """Add the `evaluate` command."""

    @app.command("evaluate")
    def evaluate_command(
        run: Path | None = typer.Option(None, "--run", help="Run directory written by `tune` or `train`."),
        predictions: Path | None = typer.Option(
            None,
            "--predictions",
            help="Instead of --run: predictions made anywhere (CSV: model, y_true, prob; optional patient_id, "
            "pair_id, fold), every model compared with every other on their common pairs.",
        ),
        out: Path = typer.Option(..., "--out", "-o", help="Output directory for metrics, figures and report.html."),
        maps: Path | None = typer.Option(
            None, "--maps", help="External difference maps (e.g. BraTS-2015), scored with every fold's models."
        ),
        labels: Path | None = typer.Option(
            None,
            "--labels",
            help="Labels of the external maps: the BraTS-2015 file (sub, ses_diff, t2_label_numeric) or a label CSV.",
        ),
        label: str = typer.Option("t2", "--label", help="Which label of a label CSV to use: t2 or global."),
        n_boot: int = typer.Option(2000, "--n-boot", min=0, help="Patient-level bootstrap resamples for CIs."),
        seed: int = SEED,
    ) -> None:
        """Evaluate a run's cross-validated predictions (pooled and per-fold AUC with patient-bootstrap CIs,
        average precision, operating point at the validation threshold, calibration, DeLong tests against
        each network's baseline) and, with --maps and --labels, an external set scored with the fold-averaged
        probabilities of every fold's refitted models. Writes metrics.csv, figures/ and a self-contained
        report.html; pairs without a map are listed in missing_maps.csv. With --predictions instead of --run:
        the same metrics (patient-cluster CIs when patient_id is given), paired DeLong and bootstrap
        comparisons between every two models, figures and report.html for a table of predictions."""
        from glioma_change.errors import InputError
        from glioma_change.evaluation import ExternalSet, evaluate_run

        if (run is None) == (predictions is None):
            raise InputError("give exactly one of --run RUN or --predictions PRED.csv")
        if predictions is not None:
            if maps is not None or labels is not None:
                raise InputError("--maps/--labels go with --run (score the maps first: `glioma-change predict`)")
            from glioma_change.evaluation.predictions import evaluate_predictions

            typer.echo(f"report: {evaluate_predictions(predictions, out, n_boot, seed)}")
            return

        if (maps is None) != (labels is None):
            raise InputError("--maps and --labels go together")
        if label not in ("t2", "global"):
            raise InputError(f"--label must be t2 or global, not {label!r}")
        external = (
            ExternalSet(maps, labels, "t2" if label == "t2" else "global")
            if maps is not None and labels is not None
            else None
        )
        assert run is not None  # exactly one of --run and --predictions, and not --predictions
        report = evaluate_run(run, out, external, seed=seed, n_boot=n_boot)
        typer.echo(f"report: {report}")
