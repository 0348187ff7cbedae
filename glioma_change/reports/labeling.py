"""The `labels` workflow: report CSV → weak label CSV (rules or a trained model), uncertain and error files.

Outputs for `-o WEAK.csv`:

* `WEAK.csv` — label CSV (`formats.LABEL_COLUMNS`) of the rows confident on both labels at `threshold`
  (P ≥ t or P ≤ 1 − t); with the default threshold 0.5 every labelled row is here.
* `WEAK.uncertain.csv` — same columns, the rows not confident on the global or the T2 label.
* `WEAK.errors.csv` — `source, row, item, reason` for rows that could not be labelled (`item`: the
  patient id whenever readable).

A run in which every row fails raises `InputError` with the commonest reason (the command exits
non-zero). No output or log contains report text or anything from a report header.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from glioma_change.errors import InputError
from glioma_change.formats import LABEL_COLUMNS, iso
from glioma_change.io import ErrorLog, write_csv_atomic
from glioma_change.reports.classifier import ReportModel
from glioma_change.reports.prepare import prepare_rows, rule_results
from glioma_change.reports.reading import REQUIRED, commonest_reason, read_reports

log = logging.getLogger(__name__)


def sibling(path: str | os.PathLike[str], kind: str) -> Path:
    """`out/weak.csv` → `out/weak.<kind>.csv`."""
    p = Path(path)
    stem = p.name[: -len(".csv")] if p.name.lower().endswith(".csv") else p.name
    return p.with_name(f"{stem}.{kind}.csv")


@dataclass(frozen=True)
class LabelSummary:
    """Counts written by `label_reports`."""

    confident: int
    uncertain: int
    errors: int
    output: Path
    uncertain_output: Path
    errors_output: Path


def label_reports(
    reports: str | os.PathLike[str],
    output: str | os.PathLike[str],
    model_dir: str | os.PathLike[str] | None = None,
    language: str = "auto",
    threshold: float = 0.5,
    columns: dict[str, str] | None = None,
    lexicon_dir: str = "",
    encoding: str | None = None,
    date_order: str = "DMY",
) -> LabelSummary:
    """Label every readable report pair of `reports`; write the label, uncertain and errors files."""
    if not 0.5 <= threshold <= 1.0:
        raise InputError(f"--threshold {threshold}: must lie in [0.5, 1]")
    errors = ErrorLog(source=str(reports))
    model = None
    if model_dir is not None:
        model = ReportModel.load(model_dir)
    read = read_reports(reports, errors, columns, REQUIRED, encoding=encoding, date_order=date_order)
    rows = prepare_rows(read, errors, language, lexicon_dir)
    if not rows and len(errors):
        errors.write(sibling(output, "errors"))
        raise InputError(f"no report could be labelled; commonest reason: {commonest_reason(errors)}", reports)
    results = rule_results(rows, lexicon_dir, keep_tokens=model is not None)
    if model is not None:
        global_prob, t2_prob = model.predict(results)
        source = "model"
    else:
        global_prob = np.array([r.scores.global_prob for r in results])
        t2_prob = np.array([r.scores.t2_prob for r in results])
        source = "rules"
    table = pd.DataFrame(
        {
            "patient_id": [r.patient_id for r in rows],
            "comparative_date": [iso(r.comparative_date) for r in rows],  # type: ignore[arg-type]
            "exam_date": [iso(r.exam_date) for r in rows],
            "global_label": [int(p >= 0.5) for p in global_prob],
            "global_prob": [round(float(p), 6) for p in global_prob],
            "t2_label": [int(p >= 0.5) for p in t2_prob],
            "t2_prob": [round(float(p), 6) for p in t2_prob],
            "source": source,
        },
        columns=LABEL_COLUMNS,
    )
    confident = pd.Series(True, index=table.index)
    for col in ("global_prob", "t2_prob"):
        confident &= (table[col] >= threshold) | (table[col] <= 1.0 - threshold)
    out = Path(output)
    write_csv_atomic(table[confident], out)
    write_csv_atomic(table[~confident], sibling(out, "uncertain"))
    errors.write(sibling(out, "errors"))
    log.info(
        "labelled %d pairs (%d uncertain at %.2f), %d errors",
        len(table),
        int((~confident).sum()),
        threshold,
        len(errors),
    )
    return LabelSummary(
        int(confident.sum()),
        int((~confident).sum()),
        len(errors),
        out,
        sibling(out, "uncertain"),
        sibling(out, "errors"),
    )
