"""No patient crosses train/val/test within a fold, and weak-label (pre-)training never sees val or test patients."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from glioma_change.data import Fold
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import make_fake_study
from glioma_change.training import strategies
from glioma_change.training.params import TrainParams
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData, split_fold
from glioma_change.tuning.fold_runs import run_fold


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyData:
    torch.set_num_threads(1)
    path = make_fake_study(
        tmp_path_factory.mktemp("fake"), n_patients=14, n_human=9, folds={"n_folds": 3, "val_fraction": 0.3}
    )
    return StudyData(load_study_config(path))


def _patients(frame: pd.DataFrame) -> set[str]:
    return set(frame["patient_id"])


@pytest.mark.parametrize("threshold", [0.75, 0.95])
def test_splits_are_patient_disjoint_and_weak_rows_exclude_val_and_test(study: StudyData, threshold: float) -> None:
    rows = study.frame(threshold)
    for fold in study.folds:
        frames = split_fold(rows, fold)
        train, val, test = (_patients(frames[k]) for k in ("human_train", "val", "test"))
        assert train and val and test
        assert not (train & val or train & test or val & test)
        held_out = set(fold.val_patients) | set(fold.test_patients)
        assert not _patients(frames["weak_train"]) & held_out
        # the fixture gives held-out patients weak rows too, so the exclusion above is exercised
        assert _patients(rows[rows["source"] == "weak"]) & held_out
        assert (frames["weak_train"]["source"] == "weak").all()
        assert (frames["val"]["source"] == "human").all() and (frames["test"]["source"] == "human").all()


def test_overlapping_fold_is_rejected(study: StudyData) -> None:
    fold = study.folds[0]
    bad = Fold(fold.index, list(fold.train_patients) + [fold.test_patients[0]], fold.val_patients, fold.test_patients)
    with pytest.raises(ValueError, match="two of train/val/test"):
        split_fold(study.frame(0.75), bad)


@pytest.mark.parametrize("strategy", ["finetune", "mixed"])
def test_weak_training_inputs_come_from_allowed_patients_only(
    study: StudyData, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[torch.Tensor] = []
    original = strategies.fit
    monkeypatch.setattr(
        strategies, "fit", lambda model, train, *a, **k: seen.append(train.inputs()) or original(model, train, *a, **k)
    )
    params = TrainParams(network="vgg", strategy=strategy, width=0.25, weak_threshold=0.75)
    run_fold(study.config, study, params, 1, Runtime.create("cpu"), None)
    fold = study.folds[1]
    held_out = set(fold.val_patients) | set(fold.test_patients)
    rows = study.frame(0.75)
    by_map = {
        bytes(study.bank.stack([pid]).numpy().tobytes()): pat for pid, pat in zip(rows["pair_id"], rows["patient_id"])
    }
    used = {by_map[bytes(x.numpy().tobytes())] for batch in seen for x in batch.split(1)}
    assert used, "no training input recorded"
    assert not used & held_out
    weak_patients = _patients(rows[(rows["source"] == "weak") & ~rows["patient_id"].isin(held_out)])
    assert used & weak_patients
