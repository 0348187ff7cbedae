"""`evaluate --predictions`: a hand-made table whose AUCs and DeLong statistic are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.errors import InputError
from glioma_change.evaluation.predictions import read_prediction_table

# Six pairs of three patients. Model A ranks every unstable pair above every stable one: AUC 1.
# Model B: positives 0.6, 0.3, 0.7 against negatives 0.5, 0.2, 0.4 win 3 + 1 + 3 of 9 comparisons: AUC 7/9.
# DeLong (1988) by hand: A's placement values are all 1 (no variance); B's are V10 = (1, 1/3, 1) over the
# positives (variance 4/27) and V01 = (2/3, 1, 2/3) over the negatives (variance 1/27), so
# Var(AUC_B − AUC_A) = (4/27)/3 + (1/27)/3 = 5/81 and z = (7/9 − 1) / (√5/9) = −2/√5.
TABLE = pd.DataFrame(
    {
        "pair_id": ["p1", "p2", "p3", "p4", "p5", "p6"] * 2 + ["p1", "p2", "p3", "p4"],
        "patient_id": ["P1", "P1", "P2", "P2", "P3", "P3"] * 2 + ["P1", "P1", "P2", "P2"],
        "fold": [0, 0, 1, 1, 2, 2] * 2 + [0, 0, 1, 1],
        "model": ["A"] * 6 + ["B"] * 6 + ["C"] * 4,
        "y_true": [1, 0, 1, 0, 1, 0] * 2 + [1, 0, 1, 0],
        "prob": [0.9, 0.3, 0.8, 0.2, 0.4, 0.1, 0.6, 0.5, 0.3, 0.2, 0.7, 0.4, 0.2, 0.6, 0.7, 0.1],
    }
)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pred")
    TABLE.to_csv(root / "pred.csv", index=False)
    result = CliRunner().invoke(
        app,
        ["evaluate", "--predictions", str(root / "pred.csv"), "-o", str(root / "out"), "--n-boot", "200"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return root / "out"


def test_metrics_have_the_known_aucs_and_patient_cis(evaluated: Path) -> None:
    metrics = pd.read_csv(evaluated / "metrics.csv").set_index("model")
    assert metrics.loc["A", "auc"] == pytest.approx(1.0)
    assert metrics.loc["B", "auc"] == pytest.approx(7 / 9)
    assert metrics.loc["C", "auc"] == pytest.approx(0.75)  # positives 0.2, 0.7 vs negatives 0.6, 0.1: 3 of 4 won
    assert metrics.loc["B", "n_patients"] == 3 and metrics.loc["B", "n_folds"] == 3
    assert metrics.loc["B", "auc_low"] <= 7 / 9 <= metrics.loc["B", "auc_high"] < 1.0 + 1e-9
    assert metrics.loc["A", "sensitivity"] == pytest.approx(2 / 3)  # 0.4 < 0.5 is called stable


def test_comparisons_are_paired_delong_on_common_pairs(evaluated: Path) -> None:
    comparisons = pd.read_csv(evaluated / "comparisons.csv")
    b_vs_a = comparisons[(comparisons["model"] == "B") & (comparisons["reference"] == "A")].iloc[0]
    assert b_vs_a["n_pairs"] == 6
    assert b_vs_a["difference"] == pytest.approx(7 / 9 - 1)
    assert b_vs_a["delong_se"] == pytest.approx(np.sqrt(5) / 9)
    assert b_vs_a["delong_z"] == pytest.approx(-2 / np.sqrt(5))
    assert b_vs_a["delong_p"] == pytest.approx(2 * norm.sf(2 / np.sqrt(5)))
    assert 0.0 <= b_vs_a["bootstrap_p"] <= 1.0
    c_vs_a = comparisons[(comparisons["model"] == "C") & (comparisons["reference"] == "A")].iloc[0]
    assert c_vs_a["n_pairs"] == 4  # C scored p1–p4 only
    assert len(comparisons) == 3  # A–B, A–C, B–C


def test_report_shows_the_model_comparison_and_figures(evaluated: Path) -> None:
    html = (evaluated / "report.html").read_text()
    assert "Models compared (paired, on the pairs both scored)" in html
    assert "0.371" in html  # DeLong p of B against A, as shown
    assert "resample patients" in html
    assert html.count("data:image/png;base64") >= 3
    assert (evaluated / "figures" / "predictions_roc_folds.png").is_file()


def test_without_patients_or_pair_ids_rows_pair_by_position(tmp_path: Path) -> None:
    table = TABLE[TABLE["model"] != "C"].drop(columns=["pair_id", "patient_id", "fold"])
    table.to_csv(tmp_path / "plain.csv", index=False)
    df = read_prediction_table(tmp_path / "plain.csv")
    assert list(df.loc[df["model"] == "B", "pair_id"]) == [f"row-{k}" for k in range(1, 7)]
    result = CliRunner().invoke(
        app,
        ["evaluate", "--predictions", str(tmp_path / "plain.csv"), "-o", str(tmp_path / "out"), "--n-boot", "50"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    comparisons = pd.read_csv(tmp_path / "out" / "comparisons.csv")
    assert comparisons["delong_z"].iloc[0] == pytest.approx(-2 / np.sqrt(5))
    assert "resample single pairs" in (tmp_path / "out" / "report.html").read_text()


def test_bad_rows_are_named(tmp_path: Path) -> None:
    bad = TABLE.copy()
    bad.loc[7, "prob"] = 1.5
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match=r"bad.csv, row 8: .*prob in \[0, 1\]"):
        read_prediction_table(tmp_path / "bad.csv")
    clash = TABLE.copy()
    clash.loc[6, "y_true"] = 0  # B labels p1 stable, A unstable
    clash.to_csv(tmp_path / "clash.csv", index=False)
    with pytest.raises(InputError, match="disagree on the label of pair p1"):
        read_prediction_table(tmp_path / "clash.csv")
