"""Label-scarcity curves: patient-wise nested subsets, unchanged test folds, CSV/PNG written and shown by `evaluate`."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.evaluation import evaluate_run
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import cli, make_fake_study
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.scarcity import human_subsets

FRACTIONS = (1.0, 0.5, 0.25, 0.1)
STRATEGIES = ["baseline", "mixed", "teacher_student"]


@pytest.fixture(scope="module")
def study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scarcity")
    path = make_fake_study(
        root,
        n_patients=14,
        n_human=10,
        search__strategies=STRATEGIES,
        search__enqueue_each_combination=True,
        search__rounds=[1],
    )
    human = pd.read_csv(root / "human_labels.csv")  # reports for human-labelled pairs too: withheld ones stay weak
    weak = human.assign(
        t2_prob=0.1 + 0.8 * human["t2_label"], global_prob=0.1 + 0.8 * human["global_label"], source="rules"
    )
    pd.concat([pd.read_csv(root / "weak_labels.csv"), weak]).to_csv(root / "weak_labels.csv", index=False)
    return path


def test_subsets_are_patient_wise_nested_and_keep_test_folds(study_file: Path) -> None:
    torch.set_num_threads(1)
    study = StudyData(load_study_config(study_file))
    human_patients = set(study.all_rows.loc[study.all_rows["source"] == "human", "patient_id"])
    for seed in (0, 1):
        subsets = human_subsets(study, FRACTIONS, seed)
        for fold in study.folds:
            everyone = human_patients & set(fold.train_patients)
            assert subsets[1.0][fold.index] == everyone
            for big, small in zip(FRACTIONS, FRACTIONS[1:]):
                assert subsets[small][fold.index] <= subsets[big][fold.index]
            for f in FRACTIONS:
                assert len(subsets[f][fold.index]) == max(1, math.ceil(f * len(everyone)))
    assert human_subsets(study, FRACTIONS, 0) != human_subsets(study, FRACTIONS, 1)
    keep = human_subsets(study, FRACTIONS, 0)[0.25]
    scarce = study.with_human_training(keep)
    for fold in study.folds:
        full, few = study.fold(fold.index, 0.75), scarce.fold(fold.index, 0.75)
        for split in ("val", "test"):
            pd.testing.assert_frame_equal(full.frames[split], few.frames[split])
            assert torch.equal(getattr(full, split).inputs(), getattr(few, split).inputs())
        assert set(few.frames["human_train"]["patient_id"]) == keep[fold.index]
        withheld = full.frames["human_train"][~full.frames["human_train"]["patient_id"].isin(keep[fold.index])]
        assert len(withheld) and set(withheld["pair_id"]) <= set(few.frames["weak_train"]["pair_id"])
        assert not set(few.frames["weak_train"]["patient_id"]) & (set(fold.val_patients) | set(fold.test_patients))
        assert few.fingerprint != full.fingerprint and few.pretext_ids == full.pretext_ids


def test_scarcity_command_writes_the_curve_and_the_report_shows_it(study_file: Path) -> None:
    root = study_file.parent
    run = root / "run"
    result = cli("tune", str(study_file), "--out", str(run), "--n-trials", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    out = CliRunner().invoke(
        app, ["-q", "scarcity", str(run), "--fractions", "1,0.5", "--seeds", "2", "--n-boot", "50"]
    )
    assert out.exit_code == 0, out.output
    folder = run / "scarcity"
    per_seed = pd.read_csv(folder / "scarcity.csv")
    models = {f"vgg/{s}" for s in STRATEGIES}
    assert set(per_seed["model"]) == models and len(per_seed) == len(models) * 2 * 2
    assert (per_seed["auc_low"] <= per_seed["auc"]).all() and (per_seed["auc"] <= per_seed["auc_high"]).all()
    summary = pd.read_csv(folder / "scarcity_summary.csv")
    assert len(summary) == len(models) * 2 and (summary["n_seeds"] == 2).all()
    sizes = summary.groupby("fraction")["n_human_patients"].first()
    assert sizes[0.5] < sizes[1.0]
    # same test pairs in every cell as in the study; seed 0 at fraction 1 is the study's refit
    study = pd.read_csv(run / "predictions.csv", dtype={"patient_id": str})
    study_test = study[study["split"] == "test"]
    for cell in (folder / "cells").glob("*.csv"):
        pred = pd.read_csv(cell, dtype={"patient_id": str})
        model = pred["model"].iloc[0]
        theirs = study_test[study_test["model"] == model].sort_values("pair_id", ignore_index=True)
        mine = pred[pred["split"] == "test"].sort_values("pair_id", ignore_index=True)
        assert list(mine["pair_id"]) == list(theirs["pair_id"]) and list(mine["fold"]) == list(theirs["fold"])
        if cell.name.startswith("1_0_"):
            pd.testing.assert_series_equal(mine["prob"], theirs["prob"], atol=1e-6)
    report = evaluate_run(run, root / "eval", n_boot=50)
    html = report.read_text(encoding="utf-8")
    assert (root / "eval" / "figures" / "scarcity.png").stat().st_size > 1000  # the curve is drawn by evaluate
    assert "Label scarcity" in html and "Strategy table" in html and "DeLong p vs mixed" in html
    table = pd.read_csv(run / "strategy_table.csv")
    assert {"pooled_test_auc_low", "pooled_test_auc_high", "delong_p_vs_baseline", "delong_p_vs_mixed"} <= set(table)
    table = table.set_index("strategy")
    assert pd.isna(table.loc["baseline", "delong_p_vs_baseline"]) and pd.isna(table.loc["mixed", "delong_p_vs_mixed"])
    assert table.loc["teacher_student", ["delong_p_vs_baseline", "delong_p_vs_mixed"]].between(0, 1).all()
    assert table.loc["baseline", "delong_p_vs_mixed"] == pytest.approx(table.loc["mixed", "delong_p_vs_baseline"])


def test_the_new_strategy_is_ranked_by_refit_validation_when_all_its_trials_were_pruned(tmp_path: Path) -> None:
    import json

    from glioma_change.tuning.scarcity import scarcity_configurations

    def combo(strategy: str, trial: int | None, value: float | None) -> dict[str, object]:
        return {"trial": trial, "value": value, "params": {"network": "vgg", "strategy": strategy}}

    combos = {
        "vgg/baseline": combo("baseline", 0, 0.8),
        "vgg/mixed": combo("mixed", 1, 0.9),
        "vgg/finetune_grow": combo("finetune_grow", None, None),
        "vgg/teacher_student": combo("teacher_student", None, None),
    }
    (tmp_path / "best_params.json").write_text(json.dumps({"best": combos["vgg/mixed"], "combinations": combos}))
    pd.DataFrame(
        {
            "network": ["vgg"] * 4,
            "strategy": ["baseline", "mixed", "finetune_grow", "teacher_student"],
            "mean_val_auc": [0.8, 0.9, 0.6, 0.7],
        }
    ).to_csv(tmp_path / "strategy_table.csv", index=False)
    assert sorted(scarcity_configurations(tmp_path)) == ["vgg/baseline", "vgg/mixed", "vgg/teacher_student"]
