"""Joining maps with labels: confident weak rows only, human pairs never duplicated, failed maps dropped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from glioma_change.data import join_maps_labels
from glioma_change.errors import InputError
from glioma_change.formats import PAIR_KEY
from glioma_change.testing.data import make_study


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_study(tmp_path_factory.mktemp("join"), n_patients=10, n_human=4)


@pytest.mark.parametrize("threshold", [0.5, 0.75, 0.95])
def test_weak_rows_are_confident_and_never_duplicate_human_pairs(study: dict[str, Path], threshold: float) -> None:
    df = join_maps_labels(study["manifest"], study["human"], study["weak"], threshold)
    weak = df[df["source"] == "weak"]
    human = df[df["source"] == "human"]
    assert ((weak["weak_prob"] >= threshold) | (weak["weak_prob"] <= 1 - threshold)).all()
    assert (weak["label"] == (weak["weak_prob"] >= threshold).astype(int)).all()
    assert not df.duplicated(PAIR_KEY).any() and not df["pair_id"].duplicated().any()
    human_keys = set(map(tuple, pd.read_csv(study["human"])[PAIR_KEY].to_numpy()))
    assert not human_keys & set(map(tuple, weak[PAIR_KEY].to_numpy()))
    assert set(map(tuple, human[PAIR_KEY].to_numpy())) == human_keys
    # every confident weak label of a non-human pair with a usable map is kept
    raw = pd.read_csv(study["weak"])
    confident = raw[(raw["t2_prob"] >= threshold) | (raw["t2_prob"] <= 1 - threshold)]
    manifest = pd.read_csv(study["manifest"])
    ok = set(map(tuple, manifest[manifest["status"] != "failed"][PAIR_KEY].to_numpy()))
    expected = {k for k in map(tuple, confident[PAIR_KEY].to_numpy()) if k in ok and k not in human_keys}
    assert set(map(tuple, weak[PAIR_KEY].to_numpy())) == expected


def test_stricter_threshold_keeps_fewer_weak_rows(study: dict[str, Path]) -> None:
    n = [len(join_maps_labels(study["manifest"], study["human"], study["weak"], t)) for t in (0.5, 0.75, 0.95)]
    assert n[0] > n[1] >= n[2]


def test_failed_maps_are_dropped_and_paths_are_absolute(
    study: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="glioma_change.data.join")
    df = join_maps_labels(study["manifest"], study["human"], study["weak"], 0.5)
    manifest = pd.read_csv(study["manifest"])
    failed = manifest.loc[manifest["status"] == "failed", "pair_id"]
    assert len(failed) == 1 and not df["pair_id"].isin(failed).any()
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in df["diff_path"])
    assert all(Path(p).is_file() for p in df["absdiff_path"])
    assert "dropped 1 failed maps" in caplog.text


def test_dataframes_labels_column_and_no_weak_file(study: dict[str, Path]) -> None:
    manifest = pd.read_csv(study["manifest"], dtype={"patient_id": str})
    manifest["exam_date"] = manifest["exam_date"].str.replace("-", "")  # compact dates are accepted
    human = pd.read_csv(study["human"], dtype={"patient_id": str})
    human["global_label"] = 1 - human["t2_label"]
    df = join_maps_labels(manifest, human, None, 0.9, label="global", maps_dir=study["manifest"].parent)
    assert (df["source"] == "human").all()
    merged = df.merge(human, on=PAIR_KEY)
    assert (merged["label"] == merged["global_label"]).all()
    assert df["weak_prob"].isna().all()


def test_duplicate_label_row_is_an_error_naming_file_and_row(tmp_path: Path, study: dict[str, Path]) -> None:
    human = pd.read_csv(study["human"])
    bad = tmp_path / "dup.csv"
    pd.concat([human, human.iloc[[0]]]).to_csv(bad, index=False)
    with pytest.raises(InputError, match=rf"dup.csv, row {len(human) + 1}"):
        join_maps_labels(study["manifest"], bad, None, 0.9)


def test_label_outside_0_1_is_an_error_naming_file_and_row(tmp_path: Path, study: dict[str, Path]) -> None:
    human = pd.read_csv(study["human"])
    human.loc[2, "t2_label"] = 2
    bad = tmp_path / "bad_label.csv"
    human.to_csv(bad, index=False)
    with pytest.raises(InputError, match=r"bad_label.csv, row 3: column t2_label"):
        join_maps_labels(study["manifest"], bad, None, 0.9)
