"""The label-CSV reader: date normalisation and row-numbered errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from glioma_change.errors import InputError
from glioma_change.formats import read_label_csv

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
