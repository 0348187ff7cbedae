"""`predict`: unlabelled maps scored by a run's fold ensemble; model choice, unreadable maps, nothing to score."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.errors import InputError
from glioma_change.evaluation.predict import predict_maps
from glioma_change.testing.evaluation import make_fake_run


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("predict")
    make_fake_run(root, n_patients=6, n_folds=2)
    return root


def test_predict_writes_fold_averages_and_lists_unreadable_maps(fake: Path, tmp_path: Path) -> None:
    manifest = pd.read_csv(fake / "maps" / "manifest.csv")
    broken = manifest["pair_id"].iloc[0]
    maps = tmp_path / "maps"
    for row in manifest.itertuples(index=False):  # a copy of the maps without labels; one file corrupt
        target = maps / row.diff_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"not a map" if row.pair_id == broken else (fake / "maps" / row.diff_path).read_bytes())
    result = CliRunner().invoke(
        app,
        [
            "predict",
            "--run",
            str(fake / "run"),
            "--maps",
            str(maps),
            "-o",
            str(tmp_path / "pred.csv"),
            "--model",
            "vgg/mixed",
            "--model",
            "best",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    pred = pd.read_csv(tmp_path / "pred.csv")
    assert set(pred["model"]) == {"vgg/mixed", "best"}
    assert set(pred["pair_id"]) == set(manifest["pair_id"]) - {broken}
    assert (pred["n_folds"] == 2).all() and pred["prob"].between(0, 1).all()
    folds = pd.read_csv(tmp_path / "pred_folds.csv")
    mean = folds.groupby(["model", "pair_id"])["prob"].mean()
    assert pred.set_index(["model", "pair_id"])["prob"].sub(mean).abs().max() < 1e-6  # as written (CSV precision)
    errors = pd.read_csv(tmp_path / "pred_errors.csv")
    assert set(errors["item"]) == {broken} and errors["reason"].str.contains("cannot read map").all()


def test_predict_names_what_is_wrong(fake: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model nosuch"):
        predict_maps(fake / "run", fake / "maps", models=["nosuch"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no difference map"):
        predict_maps(fake / "run", tmp_path / "empty")
