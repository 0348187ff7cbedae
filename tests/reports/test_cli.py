"""`glioma-change labels`: outputs, uncertain rows, per-row errors, missing columns, no report text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.errors import InputError
from glioma_change.formats import LABEL_COLUMNS
from glioma_change.reports.labeling import label_reports
from glioma_change.testing.reports import HAND_WRITTEN, hand_written

HEADER = b"patient_id,comparative_date,exam_date,report_text\n"


def _write(path: Path, rows: list[bytes], header: bytes = HEADER) -> Path:
    path.write_bytes(header + b"".join(rows))
    return path


def _all_output_text(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in out.parent.glob("*.csv"))


def test_bad_rows_go_to_the_errors_file_and_the_rest_is_labelled(tmp_path: Path) -> None:
    secret = "Increase of the FLAIR hyperintensity"
    rows = [
        f'P1,2021-01-01,2021-04-01,"Impression: {secret}."\n'.encode(),
        'P2,2021-01-01,2021-04-01,"Impression: Stable lésion, unchanged."\n'.encode("latin-1"),  # not UTF-8
        b'P3,2021-01-01,2021-02-30,"Impression: Stable."\n',  # impossible date
        b"P4,2021-01-01,2021-04-01,\n",  # empty text
        f'P1,2021-01-01,2021-04-01,"Impression: {secret}."\n'.encode(),  # duplicate pair
        b'P5,2021-01-01,2021-04-01,"Impression: Stable.",extra\n',  # wrong field count
        b'P6,,2021-04-01,"Impression: Stable, no date anywhere."\n',  # no comparative date at all
        'P7,,2021-04-01,"Par rapport à l\'IRM du 12 janvier 2021 : lésion stable."\n'.encode(),
        b'P8,2021-01-01,2021-04-01,"Impression: No change."\n',
    ]
    out = tmp_path / "out" / "weak.csv"
    summary = label_reports(_write(tmp_path / "reports.csv", rows), out)
    labels = pd.read_csv(out, dtype={"patient_id": str})
    errors = pd.read_csv(tmp_path / "out" / "weak.errors.csv")
    assert list(labels.columns) == LABEL_COLUMNS
    assert sorted(labels.patient_id) == ["P1", "P7", "P8"]
    assert labels.set_index("patient_id").loc["P7", "comparative_date"] == "2021-01-12"
    assert labels.set_index("patient_id").loc["P1", "t2_label"] == 1
    assert labels.set_index("patient_id").loc["P8", "global_label"] == 0
    assert sorted(errors.row) == [2, 3, 4, 5, 6, 7]
    reasons = " | ".join(errors.reason)
    for word in ("UTF-8", "exam_date", "empty report", "duplicate", "fields", "comparative date"):
        assert word in reasons
    assert summary.errors == 6
    assert secret not in _all_output_text(out)
    assert "Stable" not in _all_output_text(out)


def test_threshold_moves_unconfident_rows_to_the_uncertain_file(tmp_path: Path) -> None:
    out = tmp_path / "weak.csv"
    label_reports(HAND_WRITTEN["en"], out, threshold=0.95)
    confident = pd.read_csv(out)
    uncertain = pd.read_csv(tmp_path / "weak.uncertain.csv")
    assert len(confident) + len(uncertain) == len(hand_written("en"))
    assert len(uncertain) > 0 and len(confident) > 0
    for col in ("global_prob", "t2_prob"):
        assert ((confident[col] >= 0.95) | (confident[col] <= 0.05)).all()
    unsure = (uncertain[["global_prob", "t2_prob"]] < 0.95) & (uncertain[["global_prob", "t2_prob"]] > 0.05)
    assert unsure.any(axis=1).all()


def test_column_mapping_semicolons_and_language_override(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id;date_prev;date_exam;texte\nX1;20210101;20210401;Conclusion : Majoration de l'hypersignal FLAIR.\n",
        encoding="utf-8",
    )
    out = tmp_path / "weak.csv"
    columns = {"patient_id": "id", "comparative_date": "date_prev", "exam_date": "date_exam", "report_text": "texte"}
    label_reports(path, out, language="fr", columns=columns)
    row = pd.read_csv(out).iloc[0]
    assert (row.comparative_date, row.exam_date, row.t2_label) == ("2021-01-01", "2021-04-01", 1)


def test_missing_columns_raise_input_error_naming_them(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.csv", [b"P1,2021-01-01\n"], header=b"patient_id,exam_date\n")
    with pytest.raises(InputError, match="report_text"):
        label_reports(path, tmp_path / "weak.csv")


def test_cli_exit_codes_and_default_subcommand(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", [b"P1,x\n"], header=b"patient,text\n")
    result = subprocess.run(
        [sys.executable, "-m", "glioma_change", "-q", "labels", str(bad), "-o", str(tmp_path / "w.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "patient_id" in result.stderr and "report_text" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    good = CliRunner().invoke(
        app, ["-q", "labels", str(HAND_WRITTEN["fr"]), "-o", str(tmp_path / "fr.csv"), "--threshold", "0.75"]
    )
    assert good.exit_code == 0, good.output
    total = len(pd.read_csv(tmp_path / "fr.csv")) + len(pd.read_csv(tmp_path / "fr.uncertain.csv"))
    assert total == len(hand_written("fr"))
