"""`glioma-change synth` on the command line: report-only datasets and user errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from glioma_change.formats import read_label_csv


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glioma_change", "-q", "synth", *args], capture_output=True, text=True, timeout=120
    )


def test_no_images_writes_reports_and_tables(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = run_cli(
        "--patients",
        "5",
        "--out",
        str(out),
        "--seed",
        "1",
        "--no-images",
        "--sessions-per-patient",
        "2..3",
        "--english-fraction",
        "1",
        "--human-fraction",
        "0.4",
        "--report-fidelity",
        "0.5",
        "--rater-noise",
        "0.1",
    )
    assert result.returncode == 0, result.stderr
    reports = pd.read_csv(out / "reports.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(out / "truth.csv")
    sessions = pd.read_csv(out / "sessions.csv")
    assert list(reports.columns) == ["patient_id", "comparative_date", "exam_date", "report_text", "language"]
    assert len(reports) == len(truth) == len(sessions) - 5 and set(reports.language) == {"en"}
    assert sessions.groupby("patient_id").size().between(2, 3).all()
    assert read_label_csv(out / "human_labels.csv").patient_id.nunique() == 2
    assert not list(out.glob("sub-*"))
    config = (out / "synth_config.yaml").read_text()
    assert "report_fidelity: 0.5" in config and "rater_noise: 0.1" in config
    assert truth.report_features.str.contains("discordant").sum() == round(0.5 * len(truth))


def test_bad_options_exit_2_with_one_line(tmp_path: Path) -> None:
    for bad in (
        ["--sessions-per-patient", "5..3"],
        ["--spacing", "1"],
        ["--threshold", "0.9"],
        ["--site", "mars"],
        ["--report-fidelity", "0.3"],
        ["--rater-noise", "0.9"],
    ):
        result = run_cli("--patients", "2", "--out", str(tmp_path / "x"), "--no-images", *bad)
        assert result.returncode == 2, (bad, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:")
