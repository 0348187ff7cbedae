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
    result = CliRunner().invoke(
        app,
        [
            "-q",
            "evaluate",
            "--run",
            str(run),
            "--maps",
            str(root / "brats"),
            "--labels",
            str(bundled_data("brats2015_longitudinal_t2_labels.csv")),
            "-o",
            str(out),
            "--n-boot",
            "200",
            "--seed",
            "3",
        ],
    )
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
    assert {
        "cv_roc.png",
        "cv_roc_folds.png",
        "cv_pr.png",
        "cv_reliability.png",
        "cv_strategies.png",
        "external_roc.png",
        "optuna_history.png",
        "optuna_importance.png",
        "confident_cases.png",
    } <= figures
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


def _with_repeats(run: Path, n_repeats: int, seed: int = 5) -> None:
    """Add repeats 1.. to a fake run: each patient moved to a reshuffled fold, each score perturbed."""
    gen = np.random.default_rng(seed)
    base = pd.read_csv(run / "predictions.csv", dtype={"patient_id": str}).assign(repeat=0)
    patients = base["patient_id"].unique()
    parts = [base]
    for r in range(1, n_repeats):
        fold = dict(zip(gen.permutation(patients), np.arange(len(patients)) % base["fold"].nunique(), strict=True))
        logit = np.log(base["prob"] / (1 - base["prob"])) + gen.normal(0.0, 0.5, len(base))
        parts.append(base.assign(repeat=r, fold=base["patient_id"].map(fold), prob=1 / (1 + np.exp(-logit))))
    pd.concat(parts, ignore_index=True).to_csv(run / "predictions.csv", index=False)


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, object]:
    import glioma_change.evaluation.plots as plots

    root = tmp_path_factory.mktemp("repeated")
    run = make_fake_run(root, n_patients=30, n_folds=3, checkpoints=False)
    _with_repeats(run, 3)
    drawn: dict[str, list[str]] = {}
    roc_plot = plots.roc_plot

    def spy(scores, legend, title, path):
        drawn[Path(path).name] = [f"{m}: {legend.get(m, '')}" for m in scores]
        return roc_plot(scores, legend, title, path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plots, "roc_plot", spy)
        result = CliRunner().invoke(
            app, ["-q", "evaluate", "--run", str(run), "-o", str(root / "out"), "--n-boot", "100", "--seed", "1"]
        )
    assert result.exit_code == 0, result.output
    return {"out": root / "out", "drawn": drawn}


def test_report_opens_with_the_verdict_then_the_compact_table(repeated: dict[str, object]) -> None:
    out = repeated["out"]
    html = (out / "report.html").read_text(encoding="utf-8")
    verdict = (out / "verdict.txt").read_text(encoding="utf-8").splitlines()
    headline = verdict[0]
    assert headline.startswith("Weak labels") and "3 repeats" in headline
    body = html.split("<body>", 1)[1]
    assert body.index("id='verdict'") < body.index("<table") < body.index("cv_strategies")
    assert html.index(headline.replace("'", "&#x27;")) < html.index("<table")
    table = pd.read_csv(out / "strategy_table.csv")
    assert (table["n_repeats"] == 3).all() and table["test_auc_sd"].notna().all()
    best = table.loc[table["test_auc_mean"].idxmax()]
    assert f"<b>{best['test_auc_mean']:.3f} ± {best['test_auc_sd']:.3f}</b>" in html
    assert "figures/" not in html and (out / "figures" / "cv_strategies.png").read_bytes()[:4] == b"\x89PNG"


def test_roc_shows_one_curve_per_strategy_of_the_best_network(repeated: dict[str, object]) -> None:
    table = pd.read_csv(repeated["out"] / "strategy_table.csv")
    best = table.loc[table["test_auc_mean"].idxmax()]
    curves = repeated["drawn"]["cv_roc.png"]
    strategies = sorted(table.loc[table["network"] == best["network"], "strategy"])
    assert sorted(c.split(":")[0] for c in curves) == [f"{best['network']}/{s}" for s in strategies]
    assert all(" ± " in c for c in curves)  # legend: repeat mean ± SD, not the pooled AUC
