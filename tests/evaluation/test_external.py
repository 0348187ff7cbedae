"""External inference: BraTS-2015 pair list, map lookup, fold averaging, missing and unreadable maps."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from glioma_change.data import MapBank
from glioma_change.errors import InputError
from glioma_change.evaluation.external import evaluate_external, find_checkpoints
from glioma_change.evaluation.labels import locate_maps, read_external_labels
from glioma_change.formats import LABEL_COLUMNS, pair_id
from glioma_change.models import load_checkpoint
from glioma_change.resources import bundled_data
from glioma_change.testing.evaluation import INPUT_SHAPE, SEPARATION, blob_map, tiny_checkpoints

BRATS = bundled_data("brats2015_longitudinal_t2_labels.csv")


def test_brats_pair_list_from_the_shared_label_file() -> None:
    pairs = read_external_labels(BRATS)
    raw = pd.read_csv(BRATS)
    assert len(pairs) == len(raw) == 51
    assert pairs["patient_id"].nunique() == 15
    assert "sub-153_brats_tcia_ses-0109_vs_ses-0181" in set(pairs["pair_id"])
    assert list(pairs["y_true"]) == list(raw["t2_label_numeric"])
    assert pairs["pair_id"].is_unique


def _write(path: Path, data: np.ndarray, zoom: float = 1.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data.astype(np.float32), np.diag([zoom, zoom, zoom, 1.0])), path)


@pytest.fixture(scope="module")
def brats_case(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("brats")
    run, maps = root / "run", root / "maps"
    tiny_checkpoints(run, n_folds=2, models=["vgg/baseline", "vgg/mixed"])
    labels = pd.read_csv(BRATS)
    gen = np.random.default_rng(0)
    absent, elsewhere = [], ""
    for i, row in labels.iterrows():
        stem = f"{row['sub']}_{row['ses_diff']}"
        if i % 3 == 0:
            absent.append(stem)
            continue
        shape = (20, 18, 16) if i % 2 else (10, 12, 14)  # grids differ from the model's input shape
        if i == 1:  # not in its subject folder: found anywhere under MAPS by its stem
            elsewhere = stem
            path = maps / "misc" / "nested" / f"{stem}_T2wdiff.nii.gz"
        else:
            path = maps / row["sub"] / f"{stem}_T2wdiff.nii.gz"
        _write(path, blob_map(gen, shape, bool(row["t2_label_numeric"])), zoom=1.2)
    corrupt = f"{labels['sub'][2]}_{labels['ses_diff'][2]}"
    (maps / labels["sub"][2] / f"{corrupt}_T2wdiff.nii.gz").write_bytes(b"not a nifti file")
    out = root / "out"
    result = evaluate_external(run, maps, BRATS, out, n_boot=100, seed=0)
    return {
        "run": run,
        "maps": maps,
        "out": out,
        "result": result,
        "absent": absent,
        "elsewhere": elsewhere,
        "corrupt": corrupt,
    }


def test_external_evaluation_lists_missing_and_unreadable_maps(brats_case: dict[str, object]) -> None:
    result, out = brats_case["result"], brats_case["out"]
    missing = pd.read_csv(out / "missing_maps.csv")
    assert set(missing["pair_id"]) == set(brats_case["absent"]) | {brats_case["corrupt"]}
    assert "no _T2wdiff.nii.gz map" in missing.set_index("pair_id").loc[brats_case["absent"][0], "reason"]
    assert "cannot read map" in missing.set_index("pair_id").loc[brats_case["corrupt"], "reason"]
    scored = set(result.predictions["pair_id"])
    assert brats_case["elsewhere"] in scored
    assert len(scored) + len(missing) == 51
    assert not scored & set(missing["pair_id"])


def test_external_probabilities_are_fold_averages_and_auc_uses_them(brats_case: dict[str, object]) -> None:
    result = brats_case["result"]
    per_fold, averaged = result.fold_predictions, result.predictions
    assert set(averaged["model"]) == {"best", "vgg/baseline", "vgg/mixed"}
    assert set(per_fold["fold"]) == {0, 1}
    expected = per_fold.groupby(["model", "pair_id"])["prob"].mean()
    got = averaged.set_index(["model", "pair_id"])["prob"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    for row in result.metrics.itertuples(index=False):
        sub = averaged[averaged["model"] == row.model]
        assert row.auc == pytest.approx(roc_auc_score(sub["y_true"], sub["prob"]))
        assert row.n_pairs == len(sub) and row.n_folds == 2


def test_external_maps_are_resized_like_the_map_bank(brats_case: dict[str, object]) -> None:
    result, maps = brats_case["result"], brats_case["maps"]
    row = result.fold_predictions.query("model == 'vgg/mixed' and fold == 1").iloc[0]
    path = next(maps.rglob(f"{row['pair_id']}_T2wdiff.nii.gz"))
    model, _, meta = load_checkpoint(Path(brats_case["run"]) / "models" / "fold-1" / "vgg-mixed.pt")
    bank = MapBank(pd.DataFrame({"pair_id": [row["pair_id"]], "diff_path": [str(path)]}), meta["input_shape"])
    x = bank.stack([row["pair_id"]]).float()
    assert tuple(x.shape) == (1, 1, *INPUT_SHAPE)
    assert nib.load(path).shape != tuple(INPUT_SHAPE)
    with torch.no_grad():
        expected = torch.sigmoid(model(x)).item()
    assert row["prob"] == pytest.approx(expected, abs=1e-5)


def test_project_label_csv_and_manifest(tmp_path: Path) -> None:
    run, maps = tmp_path / "run", tmp_path / "maps"
    tiny_checkpoints(run, n_folds=2, models=list(SEPARATION)[:1])
    gen = np.random.default_rng(1)
    labels, manifest = [], []
    for i in range(8):
        pid, a, b = f"P{i}", "2021-01-01", "2021-06-01"
        stem = pair_id(pid, a, b)
        y = i % 2
        labels.append(
            {
                "patient_id": pid,
                "comparative_date": a,
                "exam_date": b,
                "global_label": y,
                "global_prob": y,
                "t2_label": y,
                "t2_prob": float(y),
                "source": "human",
            }
        )
        if i == 7:
            continue  # labelled, never mapped
        rel = Path(f"sub-{pid}") / f"{stem}_T2wdiff.nii.gz"
        _write(maps / rel, blob_map(gen, (12, 12, 12), bool(y)))
        manifest.append(
            {"pair_id": stem, "diff_path": str(rel), "absdiff_path": "", "status": "failed" if i == 6 else "ok"}
        )
    pd.DataFrame(labels, columns=LABEL_COLUMNS).to_csv(tmp_path / "labels.csv", index=False)
    pd.DataFrame(manifest).to_csv(maps / "manifest.csv", index=False)
    pairs = locate_maps(read_external_labels(tmp_path / "labels.csv"), maps)
    assert list(pairs["missing_reason"] != "") == [False] * 6 + [True, True]
    result = evaluate_external(run, maps, tmp_path / "labels.csv", tmp_path / "out", n_boot=50)
    assert set(result.missing["pair_id"]) == {
        pair_id("P6", "2021-01-01", "2021-06-01"),
        pair_id("P7", "2021-01-01", "2021-06-01"),
    }
    assert result.predictions.groupby("model").size().eq(6).all()


def test_a_run_without_models_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no refitted models"):
        find_checkpoints(tmp_path)


def test_two_channel_models_derive_the_absolute_map_when_it_is_absent(tmp_path: Path) -> None:
    from glioma_change.models import ModelSpec, build_model, save_checkpoint

    spec = ModelSpec(network="vgg", channels=(2, 4), dense=(8,), in_channels=2)
    torch.manual_seed(0)
    meta = {
        "input_shape": INPUT_SHAPE,
        "input_spacing": [1.0] * 3,
        "channels": ["diff", "absdiff"],
        "fold": 0,
        "strategy": "baseline",
        "seed": 0,
    }
    save_checkpoint(tmp_path / "run" / "models" / "fold-0" / "vgg-baseline.pt", build_model(spec), spec, meta)
    rows = pd.read_csv(BRATS).head(4)
    gen = np.random.default_rng(3)
    for row in rows.itertuples(index=False):
        _write(
            tmp_path / "maps" / row.sub / f"{row.sub}_{row.ses_diff}_T2wdiff.nii.gz", blob_map(gen, (12, 12, 12), True)
        )
    rows.to_csv(tmp_path / "labels.csv", index=False)
    result = evaluate_external(tmp_path / "run", tmp_path / "maps", tmp_path / "labels.csv", tmp_path / "out", n_boot=0)
    first = result.fold_predictions.iloc[0]
    path = next((tmp_path / "maps").rglob(f"{first['pair_id']}_T2wdiff.nii.gz"))
    bank = MapBank(pd.DataFrame({"pair_id": [first["pair_id"]], "diff_path": [str(path)]}), INPUT_SHAPE)
    diff = bank.stack([first["pair_id"]]).float()
    model, _, _ = load_checkpoint(tmp_path / "run" / "models" / "fold-0" / "vgg-baseline.pt")
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.cat([diff, diff.abs()], dim=1))).item()
    assert len(result.fold_predictions) == 4
    assert first["prob"] == pytest.approx(expected, abs=1e-5)
