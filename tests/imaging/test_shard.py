"""`diffmaps --shard K/N` and `--jobs N`: concurrent jobs build disjoint pairs into one folder, identical to the
byte to one unsharded build, whatever the jobs and ITK's thread settings (nothing is pinned here)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from glioma_change.errors import ConfigError
from glioma_change.formats import LABEL_COLUMNS
from glioma_change.imaging.batch import PairTask, parse_shard, run_batch, shard_tasks
from glioma_change.imaging.pipeline import DiffmapOptions
from glioma_change.testing.imaging import SessionSpec, make_dataset
from glioma_change.testing.study import cli, cli_command

GRID = ("--spacing", "3", "--shape", "56", "64", "56")
A, B, C = "20200101", "20200701", "20210101"


def _labels(path: Path) -> Path:
    """Four good pairs and one of a missing patient (a failed row)."""
    pairs = [("S1", A, B), ("S1", B, C), ("S2", A, B), ("S2", B, C), ("S9", A, B)]
    iso = [(p, f"{a[:4]}-{a[4:6]}-{a[6:]}", f"{b[:4]}-{b[4:6]}-{b[6:]}") for p, a, b in pairs]
    rows = [dict(zip(LABEL_COLUMNS, (p, a, b, 0, 0.1, 0, 0.1, "human"))) for p, a, b in iso]
    pd.DataFrame(rows, columns=LABEL_COLUMNS).to_csv(path, index=False)
    return path


def _diffmaps(bids: Path, out: Path, labels: Path, *extra: str, threads: str | None = None) -> subprocess.Popen[str]:
    """`glioma-change diffmaps` in the background, with ITK's default threads (or `threads` of them)."""
    cmd = cli_command("diffmaps", str(bids), "-o", str(out), "--pairs", str(labels), *GRID, *extra)
    env = dict(os.environ)
    env.pop("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", None)
    if threads is not None:
        env["ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"] = threads
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _finish(*procs: subprocess.Popen[str]) -> None:
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def _outputs(out: Path) -> dict[str, bytes]:
    """Every map, QC image and transform, by path relative to `out`."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.glob("sub-*/*") if p.is_file()}


def _rows(out: Path) -> pd.DataFrame:
    """The manifest without the per-step timings (wall-clock, never reproducible)."""
    df = pd.read_csv(out / "manifest.csv", dtype={"patient_id": str}, keep_default_na=False)
    return df.drop(columns=[c for c in df.columns if c.startswith(("seconds_", "cpu_seconds_"))])


@pytest.fixture(scope="module")
def whole_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Two patients of three sessions (four good pairs, one missing patient) built once, `--jobs 1`."""
    root = tmp_path_factory.mktemp("shard")
    sessions = [
        SessionSpec(A, (2.0, -1.0, 3.0), (3.0, -2.0, 1.0)),
        SessionSpec(B, (-1.0, 2.0, -2.0), (-2.0, 1.0, 3.0)),
        SessionSpec(C, (1.0, 1.0, 1.0), (1.0, 2.0, -1.0), 8.0),
    ]
    bids = make_dataset(root / "bids", {"S1": sessions, "S2": sessions}, spacing=(3.0, 3.0, 4.0), masks=True)
    labels = _labels(root / "labels.csv")
    _finish(_diffmaps(bids, root / "whole", labels))
    return bids, labels, root / "whole"


def _same_build(got_dir: Path, expected_dir: Path) -> None:
    expected, got = _outputs(expected_dir), _outputs(got_dir)
    assert len(expected) == 4 * 4  # diff, absdiff, QC PNG and transform of the four good pairs
    assert sorted(got) == sorted(expected)
    assert [k for k in expected if got[k] != expected[k]] == []
    pd.testing.assert_frame_equal(_rows(got_dir), _rows(expected_dir))


def test_concurrent_shards_build_exactly_what_one_build_does(whole_build, tmp_path: Path) -> None:
    bids, labels, whole = whole_build
    sharded = tmp_path / "sharded"
    _finish(_diffmaps(bids, sharded, labels, "--shard", "1/2"), _diffmaps(bids, sharded, labels, "--shard", "2/2"))
    _same_build(sharded, whole)
    assert _rows(sharded)["status"].tolist() == ["ok"] * 4 + ["failed"]
    errors = pd.read_csv(sharded / "diffmaps.errors.csv")
    assert errors["item"].tolist() == ["sub-S9_ses-20200101_vs_ses-20200701"] and errors["row"].tolist() == [5]
    assert not list(sharded.rglob(".*.tmp*")), "temporary files left behind"


def test_jobs_and_itk_threads_do_not_change_a_byte(whole_build, tmp_path: Path) -> None:
    bids, labels, whole = whole_build  # built with --jobs 1 and ITK's default threads (all cores)
    _finish(_diffmaps(bids, tmp_path / "again", labels, "--jobs", "2", threads="3"))
    _same_build(tmp_path / "again", whole)


def test_shards_are_disjoint_balanced_and_cover_every_pair() -> None:
    tasks = [PairTask(f"P{i}", "2020-01-01", "2020-06-01") for i in range(11)]
    parts = [shard_tasks(tasks, (k, 3)) for k in (1, 2, 3)]
    ids = [t.pair_id for part in parts for t in part]
    assert sorted(ids) == sorted(t.pair_id for t in tasks) and len(set(ids)) == len(ids)
    assert sorted(len(p) for p in parts) == [3, 4, 4]
    assert shard_tasks(tasks[::-1], (2, 3)) == shard_tasks(tasks, (2, 3))[::-1]  # order of the input does not matter


@pytest.mark.parametrize("text", ["0/2", "3/2", "x", "1/0", "1", "-1/2", "1/2/3"])
def test_bad_shard_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)


@pytest.mark.parametrize("text", ["0/2", "3/2", "x"])
def test_bad_shard_exits_2_with_one_line(tmp_path: Path, text: str) -> None:
    result = cli("diffmaps", str(tmp_path), "-o", str(tmp_path / "maps"), "--consecutive", "--shard", text, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "--shard" in result.stderr
    assert not (tmp_path / "maps").exists()


def test_python_api_takes_a_shard(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        run_batch(tmp_path, tmp_path / "maps", [], DiffmapOptions(), shard=(3, 2))
    assert not (tmp_path / "maps").exists()
