"""The label-CSV reader (date normalisation, row-numbered errors); sessions as dates or day numbers, or dated by
a BIDS sessions.tsv; `_` in subject labels, pair lists of three kinds."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd
import pytest

from glioma_change import formats
from glioma_change.errors import InputError
from glioma_change.formats import read_label_csv
from glioma_change.resources import bundled_data

HEADER = "patient_id,comparative_date,exam_date,global_label,global_prob,t2_label,t2_prob,source\n"


def test_compact_dates_become_iso_and_ids_keep_zeros(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "007,20210304,20210910,1,0.9,0,0.2,human\n008,2021-03-04,2021-09-10,0,0.1,0,0.1,human\n")
    labels = read_label_csv(path)
    assert labels["patient_id"].tolist() == ["007", "008"]
    assert labels["comparative_date"].tolist() == ["2021-03-04", "2021-03-04"]
    assert labels["exam_date"].tolist() == ["2021-09-10", "2021-09-10"]


def test_ambiguous_slashed_date_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "1,2021-03-04,2021-09-10,1,0.9,0,0.2,human\n2,04/03/2021,2021-09-10,0,0.1,0,0.1,human\n")
    with pytest.raises(InputError, match=r"row 2: column comparative_date"):
        read_label_csv(path)


def test_bad_probability_names_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "1,2021-03-04,2021-09-10,1,0.9,0,0.2,human\n2,2021-03-04,2021-09-10,1,1.7,0,0.2,human\n")
    with pytest.raises(InputError, match=r"labels\.csv.*2.*global_prob"):
        read_label_csv(path)


def test_sessions_are_dates_or_day_numbers() -> None:
    assert formats.session_value("20210304") == formats.session_value(dt.date(2021, 3, 4)) == "2021-03-04"
    assert formats.session_value("ses-109") == formats.session_value(109) == formats.session_value("0109") == "0109"
    assert formats.session_label("2021-03-04") == "20210304" and formats.session_label("109") == "0109"
    assert sorted(["1000", "950", "0109", "99"], key=formats.session_key) == ["99", "0109", "950", "1000"]
    with pytest.raises(ValueError):
        formats.session_value("day one")


def test_subject_labels_keep_underscores_and_name_every_file() -> None:
    assert formats.subject_label("sub-153_brats_tcia") == "153_brats_tcia"
    assert formats.subject_label("P-01 a") == "P01a"
    assert formats.pair_id("sub-153_brats_tcia", "0109", "0181") == "sub-153_brats_tcia_ses-0109_vs_ses-0181"
    assert (
        formats.t2w_path("B", "153_brats_tcia", 109).as_posix()
        == "B/sub-153_brats_tcia/ses-0109/anat/sub-153_brats_tcia_ses-0109_T2w.nii.gz"
    )


def test_pair_lists_of_three_kinds(tmp_path: Path) -> None:
    brats = formats.read_pair_list(bundled_data("brats2015_longitudinal_t2_labels.csv"))
    assert len(brats) == 51 and tuple(brats.iloc[0, :3]) == ("153_brats_tcia", "0109", "0181")
    labels = tmp_path / "labels.csv"
    pd.DataFrame([["P1", "20200101", "2020-07-01", 0, 0.1, 1, 0.9, "rules"]], columns=formats.LABEL_COLUMNS).to_csv(
        labels, index=False
    )
    assert tuple(formats.read_pair_list(labels).iloc[0]) == ("P1", "2020-01-01", "2020-07-01", 1)
    plain = tmp_path / "plain.csv"
    pd.DataFrame({"subject": ["7_x", "7_x"], "comparative": ["99", "0100"], "exam": ["0100", "soon"]}).to_csv(
        plain, index=False
    )
    with pytest.raises(InputError, match=r"plain.csv, row 2: not a date"):
        formats.read_pair_list(plain)
    pd.DataFrame({"patient": ["x"], "exam_date": ["0100"]}).to_csv(plain, index=False)
    with pytest.raises(InputError, match="missing column: patient_id"):
        formats.read_pair_list(plain)
    (tmp_path / "bad_brats.csv").write_text("sub,ses_diff\nsub-1_brats_tcia,ses-0100-ses-0200\n")
    with pytest.raises(InputError, match=r"row 1: not a session pair"):
        formats.read_pair_list(tmp_path / "bad_brats.csv")


def test_a_numbered_session_is_found_as_the_dataset_spells_it_beside_an_unreadable_one(tmp_path: Path) -> None:
    """`ses-01` is day number 1; a sibling folder that is neither a date nor a day number is passed over."""
    for name in ("ses-20201399", "ses-01"):
        (tmp_path / "sub-1" / name / "anat").mkdir(parents=True)
    assert formats.t2w_path(tmp_path, "1", "0001").parent.parent.name == "ses-01"
    assert formats.t2w_path(tmp_path, "1", "0002").parent.parent.name == "ses-0002"  # absent: the canonical name


def _sessions_tsv(subject: Path, text: str) -> Path:
    """Session folders `subject/ses-<label>/anat` for every row of `text` (a sessions.tsv) and the file itself."""
    for line in text.splitlines()[1:]:
        (subject / line.split("\t")[0] / "anat").mkdir(parents=True, exist_ok=True)
    path = subject / f"{subject.name}_sessions.tsv"
    path.write_text(text)
    return path


def test_a_session_named_by_a_word_or_number_is_found_by_its_sessions_tsv_date(tmp_path: Path) -> None:
    """`t2w_path` by date finds the folder whose acq_time falls on that day (date-time or plain date)."""
    _sessions_tsv(
        tmp_path / "sub-01", "session_id\tacq_time\nses-baseline\t2019-03-04T10:22:00\nses-followup1\t2019-09-10\n"
    )
    assert formats.t2w_path(tmp_path, "01", "2019-03-04") == (
        tmp_path / "sub-01" / "ses-baseline" / "anat" / "sub-01_ses-baseline_T2w.nii.gz"
    )
    assert formats.session_folder(tmp_path / "sub-01", "20190910") == "followup1"
    assert formats.session_folder(tmp_path / "sub-01", "2020-01-01") == "20200101"  # dated by nothing: canonical
    _sessions_tsv(tmp_path / "sub-02", "session_id\tacq_time\nses-01\t2019-03-04T08:00:00\nses-02\tn/a\n")
    assert formats.session_folder(tmp_path / "sub-02", "2019-03-04") == "01"
    assert formats.session_folder(tmp_path / "sub-02", "0002") == "02"  # a day number as before


def test_sessions_tsv_rows_that_cannot_be_read_are_warned_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bad acq_time or session_id is one warning naming file and row; `n/a` dates nothing; a file without
    `session_id` is one warning; nothing raises."""
    caplog.set_level(logging.WARNING, logger="glioma_change.formats")
    rows = "ses-a\t2019-03-04\nses-b\t04/03/2019\nses-c\tn/a\nn/a\t2019-05-06\nses-d\t2019-13-01T00:00:00\n"
    path = _sessions_tsv(tmp_path / "sub-1", "session_id\tacq_time\n" + rows)
    assert formats.read_sessions_tsv(tmp_path / "sub-1") == {"a": dt.date(2019, 3, 4)}
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3
    assert [f"{path}, row {row}" in m for row, m in zip((2, 4, 5), warned, strict=True)] == [True] * 3
    assert "04/03/2019" in warned[0]
    caplog.clear()
    path = _sessions_tsv(tmp_path / "sub-2", "session\tacq_time\nses-a\t2019-03-04\n")
    assert formats.read_sessions_tsv(tmp_path / "sub-2") == {}
    assert [r.getMessage() for r in caplog.records] == [f"{path}: no session_id column, ignored"]
    assert formats.read_sessions_tsv(tmp_path / "sub-3") == {}  # no file, no warning
    assert len(caplog.records) == 1
