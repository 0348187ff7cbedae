"""BraTS-2015 as downloaded → import-brats → diffmaps --pairs <shipped label file> → evaluate and predict.

The fake download has the real naming (.mha, both grade folders, a FLAIR beside each T2), a patient
outside the longitudinal label file, a BraTS-2013 case, and sessions of the label file that are absent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from typer.testing import CliRunner

from glioma_change.cli import app
from glioma_change.imaging.batch import consecutive_pairs
from glioma_change.imaging.mask import data_mask, is_skull_stripped
from glioma_change.resources import bundled_data
from glioma_change.testing.brats import Case, make_download
from glioma_change.testing.evaluation import make_fake_run

LABELS = bundled_data("brats2015_longitudinal_t2_labels.csv")
CASES = [
    Case("HGG", "153", "0109"),
    Case("HGG", "153", "0181", lesion_mm=14.0, shift_mm=3.0),  # pair built (label 1)
    Case("LGG", "171", "0780"),
    Case("LGG", "171", "0950", shift_mm=-2.0),  # pair built (label 0); 3 sessions absent
    Case("HGG", "314", "0290"),  # sessions 0016 and 0150 absent: both of its pairs are missing
    Case("LGG", "999", "0001"),
    Case("LGG", "999", "0100"),  # not longitudinal-labelled: not imported
    Case("HGG", "0001", "1", prefix="brats_2013_pat"),  # BraTS-2013 case: never imported
]
BUILT = {"sub-153_brats_tcia_ses-0109_vs_ses-0181", "sub-171_brats_tcia_ses-0780_vs_ses-0950"}
GRID = ["--spacing", "4", "--shape", "40", "48", "40"]


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def brats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("brats")
    download = make_download(root, CASES)
    bids, maps, evaluation = root / "bids", root / "maps", root / "evaluation"
    invoke("import-brats", str(download), "-o", str(bids))
    invoke("diffmaps", str(bids), "-o", str(maps), "--pairs", str(LABELS), *GRID)
    run = make_fake_run(root / "fake")  # a run of tiny checkpoints (input 12³) with its own maps
    invoke(
        "evaluate",
        "--run",
        str(run),
        "--maps",
        str(maps),
        "--labels",
        str(LABELS),
        "-o",
        str(evaluation),
        "--n-boot",
        "50",
    )
    return {"root": root, "download": download, "bids": bids, "maps": maps, "run": run, "evaluation": evaluation}


def test_import_converts_t2_of_labelled_patients_only_with_geometry(brats: dict[str, Path]) -> None:
    bids, download = brats["bids"], brats["download"]
    subjects = sorted(p.name for p in bids.glob("sub-*"))
    assert subjects == ["sub-153_brats_tcia", "sub-171_brats_tcia", "sub-314_brats_tcia"]
    path = bids / "sub-153_brats_tcia" / "ses-0109" / "anat" / "sub-153_brats_tcia_ses-0109_T2w.nii.gz"
    source = next(download.glob("HGG/brats_tcia_pat153_0109/VSD.Brain.XX.O.MR_T2.*/*.mha"))
    converted, original = sitk.ReadImage(str(path)), sitk.ReadImage(str(source))
    assert converted.GetSize() == original.GetSize()
    assert np.allclose(converted.GetSpacing(), original.GetSpacing())
    assert np.allclose(converted.GetOrigin(), original.GetOrigin(), atol=1e-4)
    assert np.array_equal(sitk.GetArrayFromImage(converted), sitk.GetArrayFromImage(original))
    provenance = pd.read_csv(bids / "brats_import.csv", dtype=str, keep_default_na=False)
    ok = provenance[provenance["status"] == "ok"]
    assert len(ok) == 5 and set(ok["grade"]) == {"HGG", "LGG"}
    assert all("MR_T2" in p and p.endswith(".mha") for p in ok["source_path"])
    missing = provenance[provenance["status"] == "missing"]
    assert {("sub-314_brats_tcia", "0016"), ("sub-314_brats_tcia", "0150")} <= set(
        zip(missing["patient_id"], missing["session"])
    )
    assert not (provenance["patient_id"] == "sub-999_brats_tcia").any()


def test_skull_stripped_sessions_use_their_own_mask(brats: dict[str, Path]) -> None:
    path = next(brats["bids"].glob("sub-153_brats_tcia/ses-0109/anat/*_T2w.nii.gz"))
    image = sitk.ReadImage(str(path), sitk.sitkFloat32)
    assert is_skull_stripped(image)
    mask = sitk.GetArrayFromImage(data_mask(image)) > 0
    data = sitk.GetArrayFromImage(image) != 0
    assert (mask & data).sum() / data.sum() > 0.99  # the mask covers the data ...
    assert (mask & ~data).sum() / mask.sum() < 0.05  # ... and little else
    noisy = sitk.GetImageFromArray(sitk.GetArrayFromImage(image) + 5.0)  # background no longer zero
    assert not is_skull_stripped(noisy)


def test_diffmaps_builds_the_labelled_pairs_that_exist_and_reports_the_rest(brats: dict[str, Path]) -> None:
    maps = brats["maps"]
    manifest = pd.read_csv(maps / "manifest.csv", dtype=str, keep_default_na=False)
    assert len(manifest) == len(pd.read_csv(LABELS)) == 51
    done = manifest[manifest["status"] != "failed"]
    assert set(done["pair_id"]) == BUILT
    for row in done.itertuples(index=False):
        diff = maps / row.diff_path
        assert diff.name == f"{row.pair_id}_T2wdiff.nii.gz" and diff.parent.name == row.pair_id.split("_ses-")[0]
        assert np.isfinite(nib.load(diff).get_fdata()).all()
    errors = manifest.set_index("pair_id")["error"]
    assert "missing session 0016" in errors["sub-314_brats_tcia_ses-0016_vs_ses-0290"]
    assert "missing session 0150" in errors["sub-314_brats_tcia_ses-0150_vs_ses-0290"]
    assert "missing session 0200" in errors["sub-171_brats_tcia_ses-0200_vs_ses-0387"]
    assert "missing subject" in errors["sub-222_brats_tcia_ses-0122_vs_ses-0304"]
    assert len(pd.read_csv(maps / "diffmaps.errors.csv")) == 49


def test_evaluate_scores_built_pairs_and_lists_missing(brats: dict[str, Path]) -> None:
    out = brats["evaluation"]
    scored = pd.read_csv(out / "external_predictions.csv")
    assert set(scored["pair_id"]) == BUILT
    assert scored["prob"].between(0, 1).all()
    missing = pd.read_csv(out / "missing_maps.csv")
    assert len(missing) == 49 and not set(missing["pair_id"]) & BUILT
    assert "external pairs without a usable map" in (out / "report.html").read_text().lower()


def test_predict_scores_unlabelled_maps_like_evaluate(brats: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    invoke("predict", "--run", str(brats["run"]), "--maps", str(brats["maps"]), "-o", str(out))
    pred = pd.read_csv(out)
    assert set(pred["pair_id"]) == BUILT
    assert set(pred["patient_id"]) == {"sub-153_brats_tcia", "sub-171_brats_tcia"}
    assert (pred["n_folds"] == 3).all()
    evaluated = pd.read_csv(brats["evaluation"] / "external_predictions.csv")
    joined = pred.merge(evaluated, on=["model", "pair_id"], suffixes=("", "_eval"))
    assert len(joined) == len(pred) == len(evaluated)
    assert np.allclose(joined["prob"], joined["prob_eval"])
    folds = pd.read_csv(tmp_path / "pred_folds.csv")
    assert len(folds) == 3 * len(pred)


def test_day_number_sessions_and_underscore_subjects_survive_discovery(brats: dict[str, Path], tmp_path: Path) -> None:
    tasks = {t.pair_id for t in consecutive_pairs(brats["bids"])}
    assert tasks == BUILT  # sub-314 has one session only
    bids = tmp_path / "bids"
    for day in ("950", "99", "0109"):  # folder names unpadded: ordered by day, not by text
        (bids / "sub-7_x" / f"ses-{day}" / "anat").mkdir(parents=True)
    assert [(t.comparative_date, t.exam_date) for t in consecutive_pairs(bids)] == [("0099", "0109"), ("0109", "0950")]


def test_pairs_accepts_a_plain_pair_list(brats: dict[str, Path], tmp_path: Path) -> None:
    maps = shutil.copytree(brats["maps"], tmp_path / "maps")
    plain = tmp_path / "pairs.csv"
    pd.DataFrame(
        {
            "patient_id": ["153_brats_tcia"],
            "comparative_session": ["109"],
            "exam_session": ["ses-0181"],
            "note": ["no label columns"],
        }
    ).to_csv(plain, index=False)
    output = invoke("diffmaps", str(brats["bids"]), "-o", str(maps), "--pairs", str(plain), *GRID)
    assert "1 pair(s): 1 ok" in output  # the same pair as the label file's, already built: found, not rebuilt
    manifest = pd.read_csv(maps / "manifest.csv")
    assert list(manifest["pair_id"]) == ["sub-153_brats_tcia_ses-0109_vs_ses-0181"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "glioma_change", *args], capture_output=True, text=True, timeout=120)


def test_nothing_to_do_says_why_and_fails(tmp_path: Path) -> None:
    (tmp_path / "bids" / "sub-1" / "ses-0100" / "anat").mkdir(parents=True)
    result = run_cli("diffmaps", str(tmp_path / "bids"), "-o", str(tmp_path / "maps"), "--consecutive")
    assert result.returncode == 2
    assert "nothing to do: no subject of 1 has two or more sessions" in result.stderr
    result = run_cli("import-brats", str(tmp_path / "bids"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "nothing imported" in result.stderr
