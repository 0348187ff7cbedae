"""Shared file formats: dates, BIDS names, pair identifiers and the label CSV.

Label CSV (output of `labels`, also the human-label format)::

    patient_id, comparative_date, exam_date, global_label, global_prob, t2_label, t2_prob, source

label: 0 stable / 1 unstable; prob: P(unstable). Dates are written as ISO `YYYY-MM-DD` and read
as ISO or `YYYYMMDD`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from glioma_change.errors import InputError

LABEL_COLUMNS = [
    "patient_id",
    "comparative_date",
    "exam_date",
    "global_label",
    "global_prob",
    "t2_label",
    "t2_prob",
    "source",
]
PAIR_KEY = ["patient_id", "comparative_date", "exam_date"]
PREDICTION_COLUMNS = [
    "patient_id", "comparative_date", "exam_date", "pair_id", "fold", "network", "strategy", "model",
    "y_true", "prob", "split", "repeat",
]
"""Columns of a run's `predictions.csv`: one row per model, repeat of the CV, fold, split (`val`/`test`) and pair."""
DIFF_SUFFIX = "_T2wdiff.nii.gz"
"""A pair's signed difference map: `<pair_id>_T2wdiff.nii.gz` (later minus earlier)."""
ABSDIFF_SUFFIX = "_T2wabsdiff.nii.gz"
"""A pair's absolute difference map, beside the signed one."""
QC_SUFFIX = "_qc.png"
TRANSFORM_SUFFIX = "_xfm.tfm"

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def parse_date(value: object) -> dt.date:
    """Parse an ISO (`2021-03-04`) or compact (`20210304`) date; raise ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    match = _ISO.match(text) or _COMPACT.match(text)
    if not match:
        raise ValueError(f"not a date (expected YYYY-MM-DD or YYYYMMDD): {text!r}")
    year, month, day = (int(g) for g in match.groups())
    return dt.date(year, month, day)  # raises ValueError for impossible dates


def iso(date: dt.date) -> str:
    """`YYYY-MM-DD`."""
    return date.isoformat()


def session_label(date: dt.date | str) -> str:
    """BIDS session label `YYYYMMDD` (without the `ses-` prefix)."""
    return parse_date(date).strftime("%Y%m%d")


def subject_label(patient_id: str) -> str:
    """BIDS subject label (without `sub-`): strips a leading `sub-` and non-alphanumerics."""
    text = str(patient_id)
    text = text[4:] if text.startswith("sub-") else text
    label = re.sub(r"[^A-Za-z0-9]", "", text)
    if not label:
        raise ValueError(f"patient id has no alphanumeric character: {patient_id!r}")
    return label


def t2w_path(bids_dir: str | os.PathLike[str], patient_id: str, date: dt.date | str) -> Path:
    """`sub-<id>/ses-<YYYYMMDD>/anat/sub-<id>_ses-<YYYYMMDD>_T2w.nii.gz` under `bids_dir`."""
    sub, ses = subject_label(patient_id), session_label(date)
    return Path(bids_dir) / f"sub-{sub}" / f"ses-{ses}" / "anat" / f"sub-{sub}_ses-{ses}_T2w.nii.gz"


def mask_path(t2w: str | os.PathLike[str]) -> Path:
    """The optional brain mask beside a T2w image (`..._mask.nii.gz`)."""
    p = Path(t2w)
    return p.with_name(p.name.replace("_T2w.nii.gz", "_mask.nii.gz"))


def pair_id(patient_id: str, comparative_date: dt.date | str, exam_date: dt.date | str) -> str:
    """`sub-<id>_ses-<A>_vs_ses-<B>`: the stem shared by every file of one exam pair."""
    return (
        f"sub-{subject_label(patient_id)}_ses-{session_label(comparative_date)}"
        f"_vs_ses-{session_label(exam_date)}"
    )


def require_columns(df: pd.DataFrame, columns: Sequence[str], source: str | os.PathLike[str]) -> None:
    """Raise `InputError` naming `source` and every one of `columns` that `df` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"missing column(s): {', '.join(missing)}", source)


def read_label_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read and validate a label CSV (weak or human labels); dates normalised to ISO strings."""
    path = Path(path)
    if not path.is_file():
        raise InputError("label file not found", path)
    # Dates stay text: a compact date such as 20210304 must not be read as an integer.
    df = pd.read_csv(path, dtype={"patient_id": str, "comparative_date": str, "exam_date": str})
    require_columns(df, LABEL_COLUMNS, path)
    for i, row in df.iterrows():
        for col in ("comparative_date", "exam_date"):
            try:
                df.at[i, col] = iso(parse_date(row[col]))
            except ValueError as exc:
                raise InputError(f"column {col}: {exc}", path, int(i) + 1) from None
        for col in ("global_prob", "t2_prob"):
            value = row[col]
            if pd.notna(value) and not 0.0 <= float(value) <= 1.0:
                raise InputError(f"column {col}: probability outside [0, 1]", path, int(i) + 1)
    return df
