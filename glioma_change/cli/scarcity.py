"""`glioma-change scarcity`: a tuned study's chosen configurations retrained with fewer human labels."""

from __future__ import annotations

from pathlib import Path

import typer


def _fractions(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(f"comma-separated numbers expected, got {text!r}") from None


def register(app: typer.Typer) -> None:
    """Add the `scarcity` command."""

    @app.command("scarcity")
    def scarcity_command(
        run: Path = typer.Argument(..., help="Run directory of `glioma-change tune` (config.yaml, best_params.json)."),
        fractions: str = typer.Option(
            "1,0.5,0.25,0.1", "--fractions", help="Fractions of each fold's human-labelled training patients to keep."
        ),
        seeds: int = typer.Option(
            3, "--seeds", min=1, help="Subsampling seeds per fraction (seed 0: the study's seed)."
        ),
        network: str | None = typer.Option(None, "--network", help="Network to use (default: the best trial's)."),
        n_boot: int = typer.Option(2000, "--n-boot", min=1, help="Patient-level bootstrap resamples for the CIs."),
        out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: RUN/scarcity)."),
    ) -> None:
        """Label-scarcity curve: retrain the run's chosen baseline, mixed and best new transfer strategy with
        nested, patient-wise subsets of each fold's human-labelled training patients (withheld patients keep
        their weak labels; folds and test patients unchanged), for several seeds; score the pooled test pairs.
        Writes scarcity.csv and scarcity_summary.csv (`evaluate` draws the curve when they are in RUN/scarcity);
        a rerun skips finished cells."""
        from glioma_change.tuning.scarcity import run_scarcity

        summary = run_scarcity(run, out, _fractions(fractions), seeds, network, n_boot)
        typer.echo(summary.to_string(index=False))
