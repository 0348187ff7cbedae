"""`synth --export-style flat`: one line a report with invented identifying headers, Windows-1252 and `;`
on request; `labels` reads it fully, labels it like the truth and writes none of its headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.synth.export import FIRST_NAMES, SURNAMES


def _synth(out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "-q",
            "synth",
            "--patients",
            "12",
            "--no-images",
            "--report-fidelity",
            "1",
            "-o",
            str(out),
            "--seed",
            "4",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.output


def test_flat_windows_export_is_read_and_labelled_without_identifiers(tmp_path: Path) -> None:
    flat, again, structured = tmp_path / "flat", tmp_path / "again", tmp_path / "structured"
    options = ("--export-style", "flat", "--export-encoding", "cp1252", "--export-sep", ";")
    _synth(flat, *options)
    _synth(again, *options)
    _synth(structured)
    raw = (flat / "reports.csv").read_bytes()
    assert raw == (again / "reports.csv").read_bytes()  # same seed, same bytes
    reports = pd.read_csv(flat / "reports.csv", sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    plain = pd.read_csv(structured / "reports.csv", dtype=str, keep_default_na=False)
    assert len(reports) == len(plain) and not reports.report_text.str.contains("\n").any()
    assert plain.report_text.str.contains("\n").any()
    names = [n for n in SURNAMES + FIRST_NAMES if n.upper() in " ".join(reports.report_text).upper()]
    assert names, "the flat export carries invented names"

    out = tmp_path / "labels" / "weak.csv"
    result = CliRunner().invoke(app, ["labels", str(flat / "reports.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    labels = pd.concat([pd.read_csv(out), pd.read_csv(out.with_name("weak.uncertain.csv"))])
    assert len(labels) == len(reports) and len(pd.read_csv(out.with_name("weak.errors.csv"))) == 0
    truth = pd.read_csv(flat / "truth.csv")
    merged = labels.merge(truth, on=["patient_id", "comparative_date", "exam_date"], suffixes=("", "_true"))
    assert len(merged) == len(labels)
    assert (merged.t2_label == merged.t2_label_true).mean() >= 0.95
    written = result.output + "".join(p.read_text(encoding="utf-8") for p in out.parent.iterdir()).upper()
    for name in names:
        assert name.upper() not in written.upper(), name
