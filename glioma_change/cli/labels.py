"""`glioma-change labels`: weak labels with probabilities from a report CSV; `labels train`: fit a classifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from glioma_change.cli.common import SEED

APPLY = "apply"


class _DefaultToApply(TyperGroup):
    """`labels REPORTS.csv ...` runs `labels apply REPORTS.csv ...`; `labels train ...` runs `train`.

    `--output` is kept as a hidden alias of `-o/--out` (the one spelling of every other command).
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # ctx: typer's click Context (see cli._Root)
        args = ["--out" if a == "--output" else f"--out={a[9:]}" if a.startswith("--output=") else a for a in args]
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [APPLY, *args]
        return super().parse_args(ctx, args)


LANGUAGE = typer.Option("auto", "--language", help="Report language: auto (detected per report), en or fr.")
COLUMN = typer.Option(
    [],
    "--column",
    help="Map a canonical column to the file's name, e.g. report_text=Report (repeatable). Canonical: "
    "patient_id, comparative_date, exam_date, report_text, language, global_label, t2_label.",
)
ENCODING = typer.Option(
    None,
    "--encoding",
    help="Encoding of the CSV (e.g. utf-8, cp1252); default: detected (byte-order mark, UTF-8, else "
    "Windows-1252/Latin-1) and logged.",
)
DATE_ORDER = typer.Option(
    "DMY",
    "--date-order",
    help="Order of numeric date cells such as 13.12.2011 or 12/13/2011: DMY (default) or MDY.",
)
NLP_DIR = typer.Option(
    None,
    "--nlp-dir",
    help="Directory with adapted lexicons (LANG/lexicon.json, LANG/patterns.jsonl, rules.json) "
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
    reports: Path = typer.Argument(
        ..., help="Report CSV: patient_id, comparative_date, exam_date, report_text[, language]."
    ),
    output: Path = typer.Option(
        ..., "--out", "-o", help="Weak label CSV to write (plus .uncertain.csv and .errors.csv beside it)."
    ),
    model: Path = typer.Option(None, "--model", help="Model directory from `labels train`; default: rules only."),
    language: str = LANGUAGE,
    threshold: float = typer.Option(
        0.5,
        "--threshold",
        help="Confidence threshold t in [0.5, 1]: rows with P(unstable) neither >= t nor <= 1-t for the global or "
        "the T2 label go to OUT.uncertain.csv instead of OUT.",
    ),
    column: list[str] = COLUMN,
    nlp_dir: Path = NLP_DIR,
    encoding: str = ENCODING,
    date_order: str = DATE_ORDER,
) -> None:
    """The default command (`labels REPORTS.csv` = `labels apply REPORTS.csv`): label every report pair as
    stable (0) or unstable (1) with P(unstable), for the global and the T2/FLAIR change; rows that cannot be
    read go to OUT.errors.csv, never into the labels."""
    from glioma_change.reports.labeling import label_reports
    from glioma_change.reports.reading import parse_column_map

    summary = label_reports(
        reports,
        output,
        model_dir=model,
        language=language,
        threshold=threshold,
        columns=parse_column_map(column),
        lexicon_dir=str(nlp_dir or ""),
        encoding=encoding,
        date_order=_order(date_order),
    )
    typer.echo(
        f"{summary.confident} pairs -> {summary.output}; {summary.uncertain} uncertain -> {summary.uncertain_output}; "
        f"{summary.errors} errors -> {summary.errors_output}"
    )


@labels_app.command("train")
def train(
    labelled: Path = typer.Argument(
        ..., help="Report CSV with gold global_label and t2_label columns (0/1 or stable/unstable)."
    ),
    output: Path = typer.Option(..., "--out", "-o", help="Model directory to write."),
    seed: int = SEED,
    folds: int = typer.Option(5, "--folds", min=2, help="Outer cross-validation folds for the reported metrics."),
    language: str = LANGUAGE,
    column: list[str] = COLUMN,
    nlp_dir: Path = NLP_DIR,
    encoding: str = ENCODING,
    date_order: str = DATE_ORDER,
) -> None:
    """Train the report classifier (rule features + word and character n-grams of the findings and
    conclusion, words of 3+ patients only; logistic regression, Platt calibration) and print, from one
    patient-grouped cross-validation, the model, the rules and the 2021 TF-IDF + random forest side by side."""
    from glioma_change.reports.classifier import ClassifierConfig
    from glioma_change.reports.reading import parse_column_map
    from glioma_change.reports.training import format_table, train_model

    meta = train_model(
        labelled,
        output,
        seed=seed,
        config=ClassifierConfig(cv_folds=folds),
        language=language,
        columns=parse_column_map(column),
        lexicon_dir=str(nlp_dir or ""),
        encoding=encoding,
        date_order=_order(date_order),
    )
    typer.echo(f"{meta['cv']}, {meta['n_reports']} reports of {meta['n_patients']} patients")
    typer.echo(format_table(meta["cv_metrics"]))
    typer.echo(f"model -> {output}")


def _order(value: str) -> str:
    order = value.upper()
    if order not in ("DMY", "MDY"):
        raise typer.BadParameter(f"--date-order {value!r}: expected DMY or MDY")
    return order


def register(app: typer.Typer) -> None:
    app.add_typer(labels_app, name="labels")
