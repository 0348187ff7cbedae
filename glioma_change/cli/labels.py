"""`glioma-change labels`: weak labels with probabilities from a report CSV; `labels train`: fit a classifier."""

from __future__ import annotations

from pathlib import Path

import click
import typer
from typer.core import TyperGroup

from glioma_change.cli.common import SEED

APPLY = "apply"


class _DefaultToApply(TyperGroup):
    """`labels REPORTS.csv ...` runs `labels apply REPORTS.csv ...`; `labels train ...` runs `train`.

    `--output` is kept as a hidden alias of `-o/--out` (the one spelling of every other command).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = ["--out" if a == "--output" else f"--out={a[9:]}" if a.startswith("--output=") else a for a in args]
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [APPLY, *args]
        return super().parse_args(ctx, args)


LANGUAGE = typer.Option("auto", "--language", help="Report language: auto (detected per report), en or fr.")
COLUMN = typer.Option(
    [], "--column",
    help="Map a canonical column to the file's name, e.g. report_text=Report (repeatable). Canonical: "
    "patient_id, comparative_date, exam_date, report_text, language, global_label, t2_label.",
)
NLP_DIR = typer.Option(
    None, "--nlp-dir", help="Directory with adapted lexicons (LANG/lexicon.json, LANG/patterns.jsonl, rules.json) "
    "to use instead of the shipped nlp/ resources.",
)

labels_app = typer.Typer(
    cls=_DefaultToApply,
    help="Weak stable/unstable labels with P(unstable) for the global and the T2 change, mined from a "
    "radiology report CSV (English and French) by rules or a trained classifier.\n\n"
    "* `glioma-change labels REPORTS.csv -o WEAK.csv` labels reports (`apply`, the default command).\n"
    "* `glioma-change labels train LABELLED.csv -o MODEL_DIR` trains a classifier.",
    no_args_is_help=True,
)


@labels_app.command(APPLY)
def apply(
    reports: Path = typer.Argument(..., help="Report CSV: patient_id, comparative_date, exam_date, report_text[, language]."),
    output: Path = typer.Option(..., "--out", "-o", help="Weak label CSV to write (plus .uncertain.csv and .errors.csv beside it)."),
    model: Path = typer.Option(None, "--model", help="Model directory from `labels train`; default: rules only."),
    language: str = LANGUAGE,
    threshold: float = typer.Option(
        0.5, "--threshold",
        help="Confidence threshold t in [0.5, 1]: rows with P(unstable) neither >= t nor <= 1-t for the global or "
        "the T2 label go to OUT.uncertain.csv instead of OUT.",
    ),
    column: list[str] = COLUMN,
    nlp_dir: Path = NLP_DIR,
) -> None:
    """The default command (`labels REPORTS.csv` = `labels apply REPORTS.csv`): label every report pair as
    stable (0) or unstable (1) with P(unstable), for the global and the T2/FLAIR change; rows that cannot be
    read go to OUT.errors.csv, never into the labels."""
    from glioma_change.reports.labeling import label_reports
    from glioma_change.reports.reading import parse_column_map

    summary = label_reports(
        reports, output, model_dir=model, language=language, threshold=threshold,
        columns=parse_column_map(column), lexicon_dir=str(nlp_dir or ""),
    )
    typer.echo(
        f"{summary.confident} pairs -> {summary.output}; {summary.uncertain} uncertain -> {summary.uncertain_output}; "
        f"{summary.errors} errors -> {summary.errors_output}"
    )


@labels_app.command("train")
def train(
    labelled: Path = typer.Argument(..., help="Report CSV with gold global_label and t2_label columns (0/1)."),
    output: Path = typer.Option(..., "--out", "-o", help="Model directory to write."),
    seed: int = SEED,
    folds: int = typer.Option(5, "--folds", min=2, help="Outer cross-validation folds for the reported metrics."),
    language: str = LANGUAGE,
    column: list[str] = COLUMN,
    nlp_dir: Path = NLP_DIR,
) -> None:
    """Train the report classifier (TF-IDF on spaCy tokens + rule features, logistic regression, Platt
    calibration by cross-validation) and write it with its config, CV metrics and a reliability plot."""
    from glioma_change.reports.classifier import ClassifierConfig, train_model
    from glioma_change.reports.reading import parse_column_map

    meta = train_model(
        labelled, output, seed=seed, config=ClassifierConfig(cv_folds=folds), language=language,
        columns=parse_column_map(column), lexicon_dir=str(nlp_dir or ""),
    )
    for key, values in meta["cv_metrics"].items():
        cv, rules = values["model_cv"], values["rules"]
        typer.echo(
            f"{key}: CV AUC {cv['auc']:.3f} Brier {cv['brier']:.3f} accuracy {cv['accuracy']:.3f} "
            f"(rules: AUC {rules['auc']:.3f} Brier {rules['brier']:.3f} accuracy {rules['accuracy']:.3f})"
        )
    typer.echo(f"model -> {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(labels_app, name="labels")
