"""`glioma-change evaluate` on a fake run: tables, figures, and a self-contained report without report text."""

from __future__ import annotations

import re
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.resources import bundled_data
from glioma_change.testing.browser import chromium_or_skip, coloured_fraction, dom_with_image_probe, screenshot
from glioma_change.testing.evaluation import SECRET, SEPARATION, blob_map, make_fake_run


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("evaluate")
    run = make_fake_run(root, n_patients=24, n_folds=3)
    labels = pd.read_csv(bundled_data("brats2015_longitudinal_t2_labels.csv"))
    gen = np.random.default_rng(2)
    for _, row in labels.head(20).iterrows():  # the rest has no map
        path = root / "brats" / row["sub"] / f"{row['sub']}_{row['ses_diff']}_T2wdiff.nii.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        nib.save(nib.Nifti1Image(blob_map(gen, (16, 16, 16), bool(row["t2_label_numeric"])), np.eye(4)), path)
    out = root / "out"
    result = CliRunner().invoke(app, [
        "-q", "evaluate", "--run", str(run), "--maps", str(root / "brats"),
        "--labels", str(bundled_data("brats2015_longitudinal_t2_labels.csv")), "-o", str(out),
        "--n-boot", "200", "--seed", "3",
    ])
    assert result.exit_code == 0, result.output
    return {"run": run, "out": out}


def test_metrics_tables_cover_every_model_and_set(evaluated: dict[str, Path]) -> None:
    metrics = pd.read_csv(evaluated["out"] / "metrics.csv")
    models = {*SEPARATION, "best"}
    assert set(metrics.loc[metrics["set"] == "cross-validation", "model"]) == models
    assert set(metrics.loc[metrics["set"] == "external", "model"]) == models
    assert (metrics["auc_low"] <= metrics["auc"]).all() and (metrics["auc"] <= metrics["auc_high"]).all()
    external = metrics[metrics["set"] == "external"]
    assert (external["n_pairs"] == 20).all()
    comparisons = pd.read_csv(evaluated["out"] / "comparisons.csv")
    assert set(comparisons["model"]) == {"vgg/mixed", "resnext/mixed"}
    assert comparisons["delong_p"].between(0, 1).all()
    assert len(pd.read_csv(evaluated["out"] / "missing_maps.csv")) == 31


def test_report_is_self_contained_and_shows_the_metrics(evaluated: dict[str, Path]) -> None:
    html = (evaluated["out"] / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http" not in html.replace("http-equiv", "")
    assert len(re.findall(r"<img ", html)) >= 8  # ROC, per-fold ROC, PR, reliability, strategies, optuna, montage...
    metrics = pd.read_csv(evaluated["out"] / "metrics.csv")
    best = metrics[(metrics["set"] == "cross-validation") & (metrics["model"] == "best")].iloc[0]
    assert f"{best['auc']:.3f} [{best['auc_low']:.3f}, {best['auc_high']:.3f}]" in html
    assert "DeLong p" in html and "sub-153_brats_tcia_ses-0109_vs_ses-0181" not in html.split("without a usable map")[0]
    assert "without a usable map" in html
    assert "evaluation seed: 3" in html


def test_no_report_text_reaches_any_output(evaluated: dict[str, Path]) -> None:
    assert SECRET in (evaluated["run"] / "predictions.csv").read_text()  # the fake run does carry it
    for path in evaluated["out"].rglob("*"):
        if path.is_file() and path.suffix in {".html", ".csv"}:
            assert SECRET not in path.read_text(encoding="utf-8"), path


def test_figures_are_png_files(evaluated: dict[str, Path]) -> None:
    figures = {p.name for p in (evaluated["out"] / "figures").glob("*.png")}
    assert {"cv_roc.png", "cv_roc_folds.png", "cv_pr.png", "cv_reliability.png", "cv_strategies.png",
            "external_roc.png", "optuna_history.png", "optuna_importance.png", "confident_cases.png"} <= figures
    for name in figures:
        assert (evaluated["out"] / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_maps_without_labels_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--run", str(tmp_path), "--maps", str(tmp_path), "-o", str(tmp_path)])
    assert result.exit_code != 0
    assert "--maps and --labels go together" in str(result.exception or result.output)


def test_report_renders_with_its_figures_in_headless_chromium(evaluated: dict[str, Path], tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    page = tmp_path / "report.html"
    page.write_bytes((evaluated["out"] / "report.html").read_bytes())  # offline copy, outside the run folder
    dom = dom_with_image_probe(chromium, page, 1280, tmp_path / "profile-dom")
    assert 'data-probe="done"' in dom
    widths = [int(w) for w in re.findall(r'data-natural-width="(\d+)"', dom)]
    assert len(widths) >= 8 and min(widths) >= 100, widths  # every figure decoded
    assert 'data-decoded="no"' not in dom
    height = min(int(re.search(r'data-height="(\d+)"', dom).group(1)), 16_000)

    pixels = screenshot(chromium, page, tmp_path / "report.png", (1280, height), tmp_path / "profile-shot")
    assert pixels.shape == (height, 1280, 3) and (tmp_path / "report.png").stat().st_size > 100_000
    assert pixels.std() > 0.05  # not a blank page
    # The figures bring the colour: the same page without its <img> elements is (almost) grey.
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<img [^>]*>", "", page.read_text(encoding="utf-8")), encoding="utf-8")
    bare_pixels = screenshot(chromium, bare, tmp_path / "bare.png", (1280, height), tmp_path / "profile-bare")
    shown, without = coloured_fraction(pixels), coloured_fraction(bare_pixels)
    assert shown > 0.01 and shown > 20 * without, (shown, without)
