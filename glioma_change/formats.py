"""Shared file formats: dates, BIDS names, pair identifiers and the label CSV.

Label CSV (output of `labels`, also the human-label format)::

    patient_id, comparative_date, exam_date, global_label, global_prob, t2_label, t2_prob, source

label: 0 stable / 1 unstable; prob: P(unstable). Dates are written as ISO `YYYY-MM-DD` and read
as ISO or `YYYYMMDD`.

Sessions are named by a date (`ses-YYYYMMDD`) or, as in BraTS-2015, by a day number (`ses-0109`: days
since some reference, written with four digits); a BIDS session number (`ses-01`, `ses-2`) is read as a day
number. `session_value` gives either its canonical text, `session_key` orders them (dates by date, day numbers
numerically) and `session_folder` finds a session's folder as the dataset spells it. A BIDS subject's
`sub-<id>_sessions.tsv` (`session_id`, `acq_time`) dates its session folders whatever their names
(`ses-baseline`): `read_sessions_tsv`. Subject labels keep letters, digits and `_` (`sub-153_brats_tcia`).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from glioma_change.errors import InputError

log = logging.getLogger(__name__)

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
MAP_COLUMNS = [*PAIR_KEY, "pair_id", "diff_path", "absdiff_path"]
"""A pair's key, its identifier and its two maps: the leading columns of `manifest.csv` and of the joined table."""
MANIFEST_COLUMNS = [*MAP_COLUMNS, "qc_path", "transform_path", "status", "error"]
"""Columns of `diffmaps`' `manifest.csv`, one row per pair (paths relative to the manifest's folder)."""
BRATS_LABEL_COLUMNS = ["sub", "ses_diff", "t2_label", "t2_label_numeric"]  # the released BraTS-2015 pair labels
PAIR_COLUMN_ALIASES = {  # a plain pair list: patient, earlier and later session (date or day number)
    "patient_id": ("patient_id", "sub", "subject"),
    "comparative_date": ("comparative_date", "comparative_session", "comparative"),
    "exam_date": ("exam_date", "exam_session", "exam"),
}
PREDICTION_COLUMNS = [
    "patient_id",
    "comparative_date",
    "exam_date",
    "pair_id",
    "fold",
    "network",
    "strategy",
    "model",
    "y_true",
    "prob",
    "split",
    "repeat",
]
"""Columns of a run's `predictions.csv`: one row per model, repeat of the CV, fold, split (`val`/`test`) and pair."""
DIFF_SUFFIX = "_T2wdiff.nii.gz"
"""A pair's signed difference map: `<pair_id>_T2wdiff.nii.gz` (later minus earlier)."""
ABSDIFF_SUFFIX = "_T2wabsdiff.nii.gz"
"""A pair's absolute difference map, beside the signed one."""
QC_SUFFIX = "_qc.png"
TRANSFORM_SUFFIX = "_xfm.tfm"
MANIFEST = "manifest.csv"
"""`diffmaps`' table of pairs (`MANIFEST_COLUMNS`), in the maps folder."""
TRUTH = "truth.csv"
"""The synthetic dataset's ground truth, one row per pair, in the dataset folder."""
SCARCITY = "scarcity.csv"
"""`scarcity`'s pooled test AUC per seed and labelled fraction; `SCARCITY_SUMMARY` its summary over seeds."""
SCARCITY_SUMMARY = "scarcity_summary.csv"

SESSION_DIR = re.compile(r"^ses-([A-Za-z0-9]+)$")  # a session folder: ses-YYYYMMDD, ses-<day number> or ses-<word>
_DAY = re.compile(r"^\s*(?:ses-)?(\d{1,7})\s*$")  # a day-number session (any digit string but a compact date)
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


Session = dt.date | str | int


def _day_number(value: Session) -> int | None:
    """The day number of a day-number session (`109`, `"0109"`, `"ses-0109"`), else None."""
    if isinstance(value, bool | dt.date):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10_000_000 else None  # eight digits: a compact date
    match = _DAY.match(str(value))
    return int(match.group(1)) if match else None


def session_value(value: Session) -> str:
    """Canonical session text: ISO `YYYY-MM-DD` for a date, the zero-padded day number (`0109`) otherwise.

    Raises ValueError for anything that is neither.
    """
    day = _day_number(value)
    if day is not None:
        return f"{day:04d}"
    text = str(value).strip()
    return iso(parse_date(text[4:] if text.startswith("ses-") else value))


def session_key(value: Session) -> tuple[int, int]:
    """Sort key of a session: dates in date order, day numbers numerically (never mixed with dates)."""
    day = _day_number(value)
    if day is not None:
        return (1, day)
    return (0, parse_date(session_value(value)).toordinal())


def session_label(date: Session) -> str:
    """BIDS session label (without the `ses-` prefix): `YYYYMMDD` for a date, `0109` for a day number."""
    text = session_value(date)
    return text if _day_number(text) is not None else text.replace("-", "")


def subject_label(patient_id: str) -> str:
    """BIDS subject label (without `sub-`): strips a leading `sub-` and all but letters, digits and `_`."""
    text = str(patient_id).strip()
    text = text[4:] if text.startswith("sub-") else text
    label = re.sub(r"[^A-Za-z0-9_]", "", text)
    if not label:
        raise ValueError(f"patient id has no alphanumeric character: {patient_id!r}")
    return label


def session_folder(subject_dir: str | os.PathLike[str], date: Session) -> str:
    """The label of the session `date` under `subject_dir` as written on disk: `session_label(date)`, unless only
    another spelling of the same session is there (BIDS sessions numbered `ses-01`, `ses-1` are day numbers
    `0001` here) or, for a date, a folder that the subject's sessions.tsv dates on that day (`ses-baseline`)."""
    ses, parent = session_label(date), Path(subject_dir)
    if (parent / f"ses-{ses}").is_dir() or not parent.is_dir():
        return ses
    wanted = session_key(date)
    for folder in sorted(parent.iterdir()):
        match = SESSION_DIR.match(folder.name)
        if match and folder.is_dir() and _readable_key(match.group(1)) == wanted:
            return match.group(1)
    if _day_number(date) is None:  # a date
        day = parse_date(session_value(date))
        for label, acquired in sorted(read_sessions_tsv(parent).items()):
            if acquired == day and (parent / f"ses-{label}").is_dir():
                return label
    return ses


def _readable_key(label: str) -> tuple[int, int] | None:
    """`session_key(label)`, or None for a folder label that is neither a date nor a day number (`ses-20201399`)."""
    try:
        return session_key(label)
    except ValueError:
        return None


def t2w_path(bids_dir: str | os.PathLike[str], patient_id: str, date: Session) -> Path:
    """`sub-<id>/ses-<label>/anat/sub-<id>_ses-<label>_T2w.nii.gz` under `bids_dir` (label: `session_folder`, the
    session's own spelling when it is on disk)."""
    sub = subject_label(patient_id)
    subject = Path(bids_dir) / f"sub-{sub}"
    ses = session_folder(subject, date)
    return subject / f"ses-{ses}" / "anat" / f"sub-{sub}_ses-{ses}_T2w.nii.gz"


def sessions_tsv(subject_dir: str | os.PathLike[str]) -> Path:
    """A BIDS subject's session table: `sub-<id>/sub-<id>_sessions.tsv`."""
    subject = Path(subject_dir)
    return subject / f"{subject.name}_sessions.tsv"


def read_sessions_tsv(subject_dir: str | os.PathLike[str]) -> dict[str, dt.date]:
    """{session folder label (without `ses-`): date of its `acq_time`} from the subject's sessions.tsv.

    `n/a` or empty `acq_time` dates nothing. A missing file gives {}; an unreadable file, a missing `session_id`
    column, an unreadable date or a repeated session is a logged warning naming file and row, and is skipped.
    """
    path = sessions_tsv(subject_dir)
    if not path.is_file():
        return {}
    stat = path.stat()
    return dict(_dated_sessions(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=4096)
def _dated_sessions(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, dt.date], ...]:
    """`read_sessions_tsv` of one version of a file (by modification time and size), so warnings come once."""
    try:
        df = pd.read_csv(
            path,
            sep="\t",
            dtype=str,
            keep_default_na=False,
            na_values=["n/a", ""],
            index_col=False,
            encoding_errors="replace",  # only dates are read: another column in another encoding does not matter
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        log.warning("%s: unreadable sessions table, ignored (%s)", path, exc)
        return ()
    if "session_id" not in df.columns:
        log.warning("%s: no session_id column, ignored", path)
        return ()
    if "acq_time" not in df.columns:
        return ()
    dated: dict[str, dt.date] = {}
    for row, (session, acquired) in enumerate(zip(df["session_id"], df["acq_time"], strict=True), start=1):
        if pd.isna(acquired):
            continue
        label = "" if pd.isna(session) else str(session).strip().removeprefix("ses-")
        try:
            if not label:
                raise ValueError("no session_id")
            if label in dated:
                raise ValueError(f"session {label} listed again")
            dated[label] = parse_date(acquired)
        except ValueError as exc:
            log.warning("%s, row %d: %s; row ignored", path, row, exc)
    return tuple(dated.items())


def split_ses_diff(ses_diff: str) -> tuple[str, str]:
    """`ses-0109_vs_ses-0181` → (`0109`, `0181`); ValueError for anything else."""
    match = re.fullmatch(r"\s*ses-(\w+?)_vs_ses-(\w+?)\s*", str(ses_diff))
    if match is None:
        raise ValueError(f"not a session pair (expected ses-<A>_vs_ses-<B>): {ses_diff!r}")
    return session_value(match.group(1)), session_value(match.group(2))


def mask_path(t2w: str | os.PathLike[str]) -> Path:
    """The optional brain mask beside a T2w image (`..._mask.nii.gz`)."""
    p = Path(t2w)
    return p.with_name(p.name.replace("_T2w.nii.gz", "_mask.nii.gz"))


def pair_id(patient_id: str, comparative_date: Session, exam_date: Session) -> str:
    """`sub-<id>_ses-<A>_vs_ses-<B>`: the stem shared by every file of one exam pair."""
    return f"sub-{subject_label(patient_id)}_ses-{session_label(comparative_date)}_vs_ses-{session_label(exam_date)}"


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


def read_pair_list(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Exam pairs named by a table: `patient_id, comparative_date, exam_date, row` (sessions canonical).

    Accepts the released BraTS-2015 label file as is (`sub`, `ses_diff`), a label CSV, or a plain pair list
    (`PAIR_COLUMN_ALIASES`: patient, comparative and exam session, dates or day numbers; other columns are
    ignored). `row` is the 1-based data row; a bad row raises `InputError` naming file and row.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("pair list not found", path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    if {"sub", "ses_diff"} <= set(df.columns):
        for i, (sub, ses_diff) in enumerate(zip(df["sub"], df["ses_diff"], strict=True), start=1):
            try:
                rows.append((subject_label(sub), *split_ses_diff(ses_diff), i))
            except ValueError as exc:
                raise InputError(str(exc), path, i) from None
        return pd.DataFrame(rows, columns=[*PAIR_KEY, "row"])
    columns = {}
    for key, aliases in PAIR_COLUMN_ALIASES.items():
        found = next((c for c in aliases if c in df.columns), None)
        if found is None:
            raise InputError(f"missing column: {key} (or {', '.join(aliases[1:])}; or sub + ses_diff)", path)
        columns[key] = found
    for i, values in enumerate(df.to_dict("records"), start=1):
        try:
            patient = str(values[columns["patient_id"]]).strip()
            if not patient:
                raise ValueError("empty patient id")
            rows.append(
                (
                    patient,
                    session_value(values[columns["comparative_date"]]),
                    session_value(values[columns["exam_date"]]),
                    i,
                )
            )
        except ValueError as exc:
            raise InputError(str(exc), path, i) from None
    return pd.DataFrame(rows, columns=[*PAIR_KEY, "row"])
