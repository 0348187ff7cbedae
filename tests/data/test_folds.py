"""Folds: patient-wise, disjoint train/val/test, stratified, and no weak row of a val/test patient trains."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from glioma_change.data import Fold, fold_frames, join_maps_labels, make_folds
from glioma_change.testing.data import make_study


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    files = make_study(tmp_path_factory.mktemp("folds"), n_patients=30, n_human=15, pairs_per_patient=2)
    # the weak CSV covers every pair; human patients have one weak-only pair each
    return join_maps_labels(files["manifest"], files["human"], files["weak"], 0.5)


def test_patient_sets_are_disjoint_and_cover_every_patient(joined: pd.DataFrame) -> None:
    folds = make_folds(joined, 5, seed=0, val_fraction=0.2)
    assert [f.index for f in folds] == list(range(5))
    human_patients = set(joined.loc[joined["source"] == "human", "patient_id"])
    tested = []
    for f in folds:
        train, val, test = set(f.train_patients), set(f.val_patients), set(f.test_patients)
        assert not train & val and not train & test and not val & test
        assert train | val | test == set(joined["patient_id"])
        assert val and test and val <= human_patients and test <= human_patients
        tested += f.test_patients
    assert sorted(tested) == sorted(human_patients)  # each human patient tested exactly once


def test_folds_are_stratified_and_reproducible(joined: pd.DataFrame) -> None:
    folds = make_folds(joined, 3, seed=4, val_fraction=0.25)
    assert folds == make_folds(joined, 3, seed=4, val_fraction=0.25)
    assert folds != make_folds(joined, 3, seed=5, val_fraction=0.25)
    per_patient = joined[joined["source"] == "human"].groupby("patient_id")["label"].max()
    for f in folds:
        assert set(per_patient[list(f.test_patients)]) == {0, 1}


def test_weak_rows_of_val_and_test_patients_never_train(joined: pd.DataFrame) -> None:
    weak = joined[joined["source"] == "weak"]
    for f in make_folds(joined, 5, seed=1, val_fraction=0.2):
        train_human, train_weak, val, test = fold_frames(joined, f)
        held_out = set(f.val_patients) | set(f.test_patients)
        assert weak["patient_id"].isin(held_out).any()  # held-out patients do have weak rows to leak
        assert not set(train_weak["patient_id"]) & held_out
        assert not set(train_human["patient_id"]) & held_out
        assert (train_human["source"] == "human").all() and (train_weak["source"] == "weak").all()
        assert (val["source"] == "human").all() and (test["source"] == "human").all()
        # nothing of a held-out patient is lost from evaluation, nothing else is dropped from training
        assert len(train_weak) == int((~weak["patient_id"].isin(held_out)).sum())
        assert set(val["patient_id"]) == set(f.val_patients) and set(test["patient_id"]) == set(f.test_patients)


def test_overlapping_fold_is_rejected(joined: pd.DataFrame) -> None:
    f = make_folds(joined, 5, seed=0, val_fraction=0.2)[0]
    leaky = Fold(f.index, (*f.train_patients, f.test_patients[0]), f.val_patients, f.test_patients)
    with pytest.raises(ValueError, match="two of train/val/test"):
        fold_frames(joined, leaky)


def test_too_few_patients_for_the_folds(joined: pd.DataFrame) -> None:
    few = joined[joined["patient_id"].isin(["P000", "P001", "P002"])]
    with pytest.raises(ValueError, match="too few"):
        make_folds(few, 5, seed=0, val_fraction=0.2)


def test_fixture_files_exist(joined: pd.DataFrame) -> None:
    assert all(Path(p).is_file() for p in joined["diff_path"])


def test_validation_splits_hold_both_classes_where_the_patients_allow(tmp_path: Path) -> None:
    # 8 human patients with 3 pairs: a plain stratified split leaves one class in many validation parts
    files = make_study(tmp_path, n_patients=12, n_human=8, pairs_per_patient=3)
    df = join_maps_labels(files["manifest"], files["human"], files["weak"], 0.5)
    human = df[df["source"] == "human"]
    for seed in range(30):
        for f in make_folds(df, 3, seed=seed, val_fraction=0.2):
            assert set(human[human["patient_id"].isin(f.val_patients)]["label"]) == {0, 1}, (seed, f.index)
            assert set(human[human["patient_id"].isin(set(f.train_patients))]["label"]) == {0, 1}, (seed, f.index)


def test_repeats_reshuffle_the_patients_and_repeat_0_is_the_single_cross_validation(joined: pd.DataFrame) -> None:
    single = make_folds(joined, 3, seed=2, val_fraction=0.25)
    assert make_folds(joined, 3, seed=2, val_fraction=0.25, repeat=0) == single
    again = make_folds(joined, 3, seed=2, val_fraction=0.25, repeat=1)
    assert again == make_folds(joined, 3, seed=2, val_fraction=0.25, repeat=1) and {f.repeat for f in again} == {1}
    assert {f.test_patients for f in again} != {f.test_patients for f in single}
    assert sorted(p for f in again for p in f.test_patients) == sorted(p for f in single for p in f.test_patients)
