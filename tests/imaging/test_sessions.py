"""Consecutive pairs of a subject's sessions: dated by its BIDS `sub-<id>_sessions.tsv` when the table dates every
session folder (pairs in acq_time order, named by date), named by their folders otherwise."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from glioma_change.imaging.batch import PairTask, consecutive_pairs, nothing_to_do


def _subject(root: Path, subject: str, folders: list[str], tsv: str | None = None) -> Path:
    """`root/sub-<subject>/ses-<folder>/anat` for each folder, and the subject's sessions.tsv when given."""
    for folder in folders:
        (root / f"sub-{subject}" / f"ses-{folder}" / "anat").mkdir(parents=True)
    if tsv is not None:
        (root / f"sub-{subject}" / f"sub-{subject}_sessions.tsv").write_text(tsv)
    return root / f"sub-{subject}"


@pytest.fixture
def warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def test_word_sessions_dated_by_the_table_pair_in_acq_time_order_named_by_date(
    tmp_path: Path, warnings: pytest.LogCaptureFixture
) -> None:
    """Name order (baseline, followup1, followup2) is not time order; the pair ids are date-named, as report
    labels name the exams."""
    _subject(
        tmp_path,
        "01",
        ["baseline", "followup1", "followup2"],
        "session_id\tacq_time\tnote\n"
        "ses-followup1\t2020-02-01T09:00:00\tlater\n"
        "ses-baseline\t2019-03-04T10:22:00\tn/a\n"
        "ses-followup2\t2019-09-10\t\n",
    )
    tasks = consecutive_pairs(tmp_path)
    assert tasks == [PairTask("01", "2019-03-04", "2019-09-10"), PairTask("01", "2019-09-10", "2020-02-01")]
    assert tasks[0].pair_id == "sub-01_ses-20190304_vs_ses-20190910"
    assert not warnings.records


def test_numbered_sessions_with_a_table_are_dated_and_a_shared_date_keeps_the_first(
    tmp_path: Path, warnings: pytest.LogCaptureFixture
) -> None:
    _subject(
        tmp_path,
        "1",
        ["01", "02", "2"],
        "session_id\tacq_time\nses-01\t2019-03-04\nses-02\t2019-09-10\nses-2\t2019-09-10T16:00\n",
    )
    assert consecutive_pairs(tmp_path) == [PairTask("1", "2019-03-04", "2019-09-10")]
    (warned,) = [r.getMessage() for r in warnings.records]
    assert "ses-02 and ses-2 are both dated 2019-09-10 by sub-1_sessions.tsv; ses-2 skipped" in warned


def test_a_session_the_table_leaves_undated_falls_back_to_folder_names(
    tmp_path: Path, warnings: pytest.LogCaptureFixture
) -> None:
    """ses-02 has no row and ses-03 an unreadable acq_time: the numbers name the sessions, the word is skipped,
    and every reason is a warning."""
    tsv = "session_id\tacq_time\nses-01\t2019-03-04\nses-03\tMarch 2020\nses-baseline\t2018-01-01\n"
    subject = _subject(tmp_path, "1", ["01", "02", "03", "baseline"], tsv)
    assert consecutive_pairs(tmp_path) == [PairTask("1", "0001", "0002"), PairTask("1", "0002", "0003")]
    warned = [r.getMessage() for r in warnings.records]
    assert f"{subject / 'sub-1_sessions.tsv'}, row 2: not a date" in warned[0]
    assert (
        warned[1]
        == f"{subject}: sub-1_sessions.tsv gives no acq_time for ses-02, ses-03; sessions named by their folders"
    )
    assert warned[2].startswith(f"{subject / 'ses-baseline'}: not a date or day-number session, skipped")
    assert len(warned) == 3


def test_without_a_table_folder_names_decide_and_word_sessions_are_skipped_with_a_hint(
    tmp_path: Path, warnings: pytest.LogCaptureFixture
) -> None:
    subject = _subject(tmp_path, "1", ["baseline", "20200701", "20200101"])
    _subject(tmp_path, "2", ["01", "02"], "not\ta sessions table\n")  # no session_id: warned, names as before
    assert consecutive_pairs(tmp_path) == [PairTask("1", "2020-01-01", "2020-07-01"), PairTask("2", "0001", "0002")]
    warned = [r.getMessage() for r in warnings.records]
    assert warned == [
        f"{subject / 'ses-baseline'}: not a date or day-number session, skipped "
        "(an acq_time in sub-1_sessions.tsv for every session would date them)",
        f"{tmp_path / 'sub-2' / 'sub-2_sessions.tsv'}: no session_id column, ignored",
    ]


def test_nothing_to_do_counts_sessions_as_the_pairs_do(tmp_path: Path) -> None:
    _subject(tmp_path, "1", ["baseline"], "session_id\tacq_time\nses-baseline\t2019-03-04\n")
    _subject(tmp_path, "2", ["preop", "postop"])
    assert consecutive_pairs(tmp_path) == []
    assert nothing_to_do(tmp_path) == "no subject of 2 has two or more sessions"  # sub-1's baseline is dated
    _subject(tmp_path / "words", "2", ["preop", "postop"])
    assert nothing_to_do(tmp_path / "words") == (
        "1 subject folder(s) but no ses-<YYYYMMDD or day number> folder in any, nor one dated by its "
        "sub-<id>_sessions.tsv"
    )
