"""The diffmaps batch: bad input becomes failed manifest rows, reruns skip finished pairs, a killed
build resumes without corrupt maps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from glioma_change.formats import LABEL_COLUMNS, t2w_path
from glioma_change.imaging.batch import ROWS_DIR, consecutive_pairs, pairs_from_labels, run_batch
from glioma_change.imaging.pipeline import DiffmapOptions
from glioma_change.testing.imaging import SessionSpec, make_dataset
from glioma_change.testing.study import cli_command

OPTIONS = DiffmapOptions(spacing=3.0, shape=(56, 64, 56))
SPACING = (3.0, 3.0, 4.0)
A, B = "20200101", "20200701"


def _pair(lesion: float = 0.0) -> list[SessionSpec]:
    return [
        SessionSpec(A, (3.0, -2.0, 4.0), (4.0, -3.0, 2.0)),
        SessionSpec(B, (-2.0, 3.0, -3.0), (-3.0, 2.0, 4.0), lesion),
    ]


def _iso(date: str) -> str:
    return f"{date[:4]}-{date[4:6]}-{date[6:]}"


def _labels(path: Path, pairs: list[tuple[str, str, str]]) -> Path:
    rows = [dict(zip(LABEL_COLUMNS, (p, _iso(a), _iso(b), 0, 0.1, 0, 0.1, "human"))) for p, a, b in pairs]
    pd.DataFrame(rows, columns=LABEL_COLUMNS).to_csv(path, index=False)
    return path


def _corrupt(root: Path) -> None:
    """P3: truncated gzip; P4: a 2D file; P5: all zero; P6: NaNs; P7: another patient's file."""
    path = t2w_path(root, "P3", B)
    path.write_bytes(path.read_bytes()[:4000])
    flat = sitk.GetImageFromArray(np.ones((1, 40, 40), np.float32))
    sitk.WriteImage(flat, str(t2w_path(root, "P4", B)))
    for patient, value in (("P5", 0.0), ("P6", np.nan)):
        image = sitk.ReadImage(str(t2w_path(root, patient, B)))
        array = sitk.GetArrayFromImage(image)
        array[...] = 0.0 if value == 0.0 else array
        if np.isnan(value):
            array[5, 5, 5] = np.nan
        out = sitk.GetImageFromArray(array)
        out.CopyInformation(image)
        sitk.WriteImage(out, str(t2w_path(root, patient, B)))
    wrong = t2w_path(root, "P7", B)
    wrong.rename(wrong.with_name(wrong.name.replace("sub-P7", "sub-P9")))


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("bids")
    make_dataset(root, {f"P{i}": _pair() for i in (1, 3, 4, 5, 6, 7)}, spacing=SPACING, masks=True)
    _corrupt(root)
    labels = _labels(root / "labels.csv", [(f"P{i}", A, B) for i in range(1, 8)])
    out = root / "maps"
    return root, out, run_batch(root, out, pairs_from_labels(labels), OPTIONS, jobs=1, seed=0)


@pytest.mark.parametrize(
    "patient, problem",
    [
        ("P2", "missing subject"),
        ("P3", "corrupt gzip"),
        ("P4", "2D"),
        ("P5", "all zero"),
        ("P6", "NaN"),
        ("P7", "mismatch"),
    ],
)
def test_bad_input_becomes_a_failed_row_naming_the_problem(bad_batch, patient: str, problem: str) -> None:
    _, _, manifest = bad_batch
    row = manifest.set_index("patient_id").loc[patient]
    assert row["status"] == "failed"
    assert problem in row["error"]


def test_good_pair_completes_beside_failures_with_files_and_errors_log(bad_batch) -> None:
    _, out, manifest = bad_batch
    assert len(manifest) == 7
    good = manifest.set_index("patient_id").loc["P1"]
    assert good["status"] == "ok", good["error"]
    for column in ("diff_path", "absdiff_path", "qc_path", "transform_path"):
        assert (out / good[column]).is_file()
    diff = nib.load(out / good["diff_path"])
    assert diff.shape == (56, 64, 56)[::-1] and np.allclose(diff.header.get_zooms(), 3.0)
    errors = pd.read_csv(out / "diffmaps.errors.csv")
    assert sorted(errors["row"]) == [2, 3, 4, 5, 6, 7]
    assert pd.read_csv(out / "manifest.csv")["status"].tolist() == manifest["status"].tolist()


def test_rerun_skips_finished_pairs_and_retries_failed(bad_batch) -> None:
    root, out, manifest = bad_batch
    diff = out / manifest.set_index("patient_id").loc["P1", "diff_path"]
    stamp = diff.stat().st_mtime_ns
    labels = root / "labels.csv"
    again = run_batch(root, out, pairs_from_labels(labels), OPTIONS, jobs=1, seed=0)
    assert diff.stat().st_mtime_ns == stamp
    assert again["status"].tolist() == manifest["status"].tolist()


def test_signed_map_shows_a_new_lesion(tmp_path: Path) -> None:
    root = make_dataset(tmp_path, {"L1": _pair(lesion=12.0)}, spacing=SPACING, masks=True)
    manifest = run_batch(root, tmp_path / "maps", consecutive_pairs(root), OPTIONS, jobs=1, seed=0)
    row = manifest.iloc[0]
    assert row["status"] == "ok", row["error"]
    diff = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "maps" / row["diff_path"])))
    assert diff.max() > 3.0  # the lesion is bright on T2: B − A is strongly positive there
    assert np.percentile(np.abs(diff[diff != 0]), 50) < 0.5


def test_killed_build_resumes_and_leaves_no_corrupt_map(tmp_path: Path) -> None:
    sessions = [SessionSpec(f"2020{m:02d}01", (m - 3.0, 2.0, -m), (m, -2.0, 1.0)) for m in (1, 3, 5, 7)]
    root = make_dataset(tmp_path / "bids", {"K1": sessions}, spacing=SPACING, masks=True)
    out = tmp_path / "maps"
    cmd = cli_command(
        "diffmaps", str(root), "-o", str(out), "--consecutive", "--spacing", "3", "--shape", "56", "64", "56"
    )
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / ROWS_DIR).glob("*.json")):
        time.sleep(0.05)
    time.sleep(0.3)  # now somewhere inside the second pair
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = list((out / ROWS_DIR).glob("*.json"))
    assert 1 <= len(finished) < 3, "the kill should land mid-build"
    manifest = run_batch(root, out, consecutive_pairs(root), OPTIONS, jobs=1, seed=0)
    assert manifest["status"].tolist() == ["ok"] * 3, manifest["error"].tolist()
    for _, row in manifest.iterrows():
        for column in ("diff_path", "absdiff_path"):
            data = np.asarray(nib.load(out / row[column]).dataobj)
            assert data.shape == (56, 64, 56)[::-1] and np.isfinite(data).all()
        assert json.loads((out / ROWS_DIR / f"{row['pair_id']}.json").read_text())["status"] == "ok"
    assert not list(out.rglob(".*.tmp*")), "temporary files left behind"


def test_a_session_shared_by_two_pairs_is_prepared_once_and_maps_do_not_depend_on_grouping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glioma_change.imaging import pipeline

    c = "20210101"
    sessions = [*_pair(), SessionSpec(c, (1.0, 1.0, -2.0), (2.0, -1.0, 1.0), 6.0)]
    bids = make_dataset(tmp_path / "bids", {"P1": sessions}, spacing=SPACING)
    calls: list[int] = []
    original = pipeline.prepare_session

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pipeline, "prepare_session", counting)
    together = run_batch(bids, tmp_path / "together", consecutive_pairs(bids), OPTIONS, seed=5)
    assert len(together) == 2 and set(together["status"]) <= {"ok", "flagged"}
    assert len(calls) == 3  # three sessions, not four

    alone = tmp_path / "alone"
    for task in consecutive_pairs(bids):  # each pair in a batch of its own: no session shared
        run_batch(bids, alone, [task], OPTIONS, seed=5)
    for rel in together["diff_path"]:
        np.testing.assert_array_equal(
            np.asarray(nib.load(tmp_path / "together" / rel).dataobj), np.asarray(nib.load(alone / rel).dataobj)
        )


def _rename_sessions(subject: Path, labels: dict[str, str]) -> None:
    """Rename each dated session folder of `subject` (and the files in its `anat`) to `ses-<labels[date]>`."""
    for date, label in labels.items():
        folder = subject / f"ses-{date}"
        for path in (folder / "anat").iterdir():
            path.rename(path.with_name(path.name.replace(f"ses-{date}", f"ses-{label}")))
        folder.rename(folder.with_name(f"ses-{label}"))


def test_sessions_numbered_as_bids_datasets_number_them_are_found_and_built(tmp_path: Path) -> None:
    """`ses-01`, `ses-02` (BIDS numbering, no date): the pair is the numbered sessions in number order (2 before
    10), and its images are read from the folders as named."""
    root = make_dataset(tmp_path / "bids", {"N1": _pair(lesion=12.0)}, spacing=SPACING, masks=True)
    _rename_sessions(root / "sub-N1", {A: "01", B: "02"})
    for number in ("2", "10"):
        (root / "sub-N2" / f"ses-{number}" / "anat").mkdir(parents=True)
    assert [(t.comparative_date, t.exam_date) for t in consecutive_pairs(root)] == [("0001", "0002"), ("0002", "0010")]
    tasks = [t for t in consecutive_pairs(root) if t.patient_id == "N1"]
    manifest = run_batch(root, tmp_path / "maps", tasks, OPTIONS, jobs=1, seed=0)
    row = manifest.iloc[0]
    assert row["status"] == "ok", row["error"]
    diff = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "maps" / row["diff_path"])))
    assert diff.max() > 3.0  # the lesion of the second session


def test_word_named_sessions_dated_by_sessions_tsv_are_built_from_date_named_labels(tmp_path: Path) -> None:
    """`ses-baseline` / `ses-followup` dated by `sub-<id>_sessions.tsv`: a label CSV naming the exams by date finds
    the images, and `--consecutive` names the same pair by the same dates (so it is found built)."""
    root = make_dataset(tmp_path / "bids", {"W1": _pair(lesion=12.0)}, spacing=SPACING, masks=True)
    _rename_sessions(root / "sub-W1", {A: "baseline", B: "followup"})
    (root / "sub-W1" / "sub-W1_sessions.tsv").write_text(
        f"session_id\tacq_time\nses-followup\t{_iso(B)}T14:05:00\nses-baseline\t{_iso(A)}T09:30:00\n"
    )
    out = tmp_path / "maps"
    manifest = run_batch(root, out, pairs_from_labels(_labels(tmp_path / "labels.csv", [("W1", A, B)])), OPTIONS)
    row = manifest.iloc[0]
    assert row["status"] == "ok", row["error"]
    assert row["pair_id"] == f"sub-W1_ses-{A}_vs_ses-{B}"
    assert [t.pair_id for t in consecutive_pairs(root)] == [row["pair_id"]]
