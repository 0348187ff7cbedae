"""Repeated cross-validation in the refit: reshuffled folds per repeat, every pair tested once per repeat."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from glioma_change.models import load_checkpoint
from glioma_change.testing.study import cli, make_fake_study, queued_search


def test_refit_runs_every_repeat_and_the_table_summarises_them(tmp_path: Path) -> None:
    study = make_fake_study(
        tmp_path,
        budget={"epochs": 1, "patience": 1, "pretrain_epochs": 1, "n_trials": 2, "eval_batch_size": 8},
        search=queued_search(),
        folds={"n_folds": 2, "val_fraction": 0.3, "repeats": 3},
    )
    run = tmp_path / "run"
    result = cli("tune", str(study), "--out", str(run))
    assert result.returncode == 0, result.stderr
    pred = pd.read_csv(run / "predictions.csv", dtype={"patient_id": str})
    assert sorted(pred["repeat"].unique()) == [0, 1, 2]
    test = pred[pred["split"] == "test"]
    human = pd.read_csv(tmp_path / "human_labels.csv")
    for (model, repeat), rows in test.groupby(["model", "repeat"]):
        assert sorted(rows["pair_id"]) == sorted(rows["pair_id"].unique()), (model, repeat)
        assert len(rows) == len(human), (model, repeat)  # every human-labelled pair tested once per repeat
    patients = test[test["model"] == "vgg/baseline"].drop_duplicates(["patient_id", "repeat"])
    fold_of = patients.pivot(index="patient_id", columns="repeat", values="fold")
    partitions = {r: frozenset(frozenset(fold_of.index[fold_of[r] == k]) for k in (0, 1)) for r in fold_of.columns}
    assert len(set(partitions.values())) > 1  # repeats reshuffle the patients
    for repeat in (1, 2):
        for fold in (0, 1):
            _, _, meta = load_checkpoint(run / "models" / f"repeat-{repeat}" / f"fold-{fold}" / "vgg-mixed.pt")
            assert (meta["repeat"], meta["fold"], meta["strategy"]) == (repeat, fold, "mixed")
    table = pd.read_csv(run / "strategy_table.csv").set_index("strategy")
    assert (table["n_repeats"] == 3).all() and table["test_auc_sd"].notna().all()
    assert table.loc["mixed", "gain_positive_share"] in (0.0, 1 / 3, 2 / 3, 1.0)
    assert table["refit_source"].str.fullmatch(r"trial \d+").all()
