"""External label files and the difference maps that go with them.

Two label formats are read as they are:

- the BraTS-2015 longitudinal label file (`sub, ses_diff, t2_label, t2_label_numeric`), whose maps are
  named `<sub>_<ses_diff>_T2wdiff.nii.gz` (e.g. `sub-153_brats_tcia/sub-153_brats_tcia_ses-0109_vs_ses-0181_T2wdiff.nii.gz`);
- the project's label CSV (`formats.LABEL_COLUMNS`), whose maps are named by `formats.pair_id`.

Maps are found through `MAPS/manifest.csv` when there is one, otherwise by file name anywhere under
`MAPS`. Pairs without a map are kept with an empty path and a reason, so callers can list them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd

from glioma_change.errors import InputError
from glioma_change.formats import ABSDIFF_SUFFIX, DIFF_SUFFIX, MANIFEST, pair_id, read_label_csv, require_columns

BRATS_COLUMNS = ["sub", "ses_diff", "t2_label_numeric"]
PAIR_COLUMNS = ["patient_id", "pair_id", "y_true"]


def read_brats_labels(path: str | os.PathLike[str]) -> pd.DataFrame:
    """BraTS-2015 pairs: `patient_id` (= `sub`), `pair_id` (= `<sub>_<ses_diff>`), `y_true` (= `t2_label_numeric`)."""
    path = Path(path)
    df = pd.read_csv(path, dtype={"sub": str, "ses_diff": str})
    require_columns(df, BRATS_COLUMNS, path)
    labels = pd.to_numeric(df["t2_label_numeric"], errors="coerce")
    bad = labels.isna() | ~labels.isin([0, 1])
    if bad.any():
        raise InputError("t2_label_numeric must be 0 or 1", path, int(bad.to_numpy().argmax()) + 1)
    return pd.DataFrame(
        {
            "patient_id": df["sub"].str.strip(),
            "pair_id": df["sub"].str.strip() + "_" + df["ses_diff"].str.strip(),
            "y_true": labels.astype(int),
        }
    )


def read_project_labels(path: str | os.PathLike[str], label: Literal["t2", "global"] = "t2") -> pd.DataFrame:
    """Pairs of a project label CSV with their `<label>_label`; rows without that label are left out."""
    df = read_label_csv(path)
    column = f"{label}_label"
    df = df[df[column].notna()]
    return pd.DataFrame(
        {
            "patient_id": df["patient_id"].astype(str),
            "pair_id": [
                pair_id(*key) for key in df[["patient_id", "comparative_date", "exam_date"]].itertuples(index=False)
            ],
            "y_true": df[column].astype(int),
        }
    ).reset_index(drop=True)


def read_external_labels(path: str | os.PathLike[str], label: Literal["t2", "global"] = "t2") -> pd.DataFrame:
    """Pairs and labels of either format (BraTS when the file has `sub` and `ses_diff` columns)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("label file not found", path)
    header = pd.read_csv(path, nrows=0).columns
    if {"sub", "ses_diff"} <= set(header):
        return read_brats_labels(path)
    return read_project_labels(path, label)


def _from_manifest(manifest: Path) -> dict[str, tuple[str, str, str]]:
    df = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    if not {"pair_id", "diff_path"} <= set(df.columns):
        raise InputError("manifest lacks pair_id or diff_path", manifest)
    root = manifest.parent
    out = {}
    for row in df.itertuples(index=False):
        status = getattr(row, "status", "ok") or "ok"
        diff = str(root / row.diff_path) if row.diff_path else ""
        absdiff = getattr(row, "absdiff_path", "")
        out[row.pair_id] = (diff, str(root / absdiff) if absdiff else "", status)
    return out


def _from_files(maps_dir: Path) -> dict[str, tuple[str, str, str]]:
    out: dict[str, tuple[str, str, str]] = {}
    for diff in sorted(maps_dir.rglob(f"*{DIFF_SUFFIX}")):
        stem = diff.name[: -len(DIFF_SUFFIX)]
        absdiff = diff.with_name(stem + ABSDIFF_SUFFIX)
        out.setdefault(stem, (str(diff), str(absdiff) if absdiff.is_file() else "", "ok"))
    return out


def patient_of(pid: str) -> str:
    """The subject part of a pair id (`sub-153_brats_tcia_ses-0109_vs_ses-0181` → `sub-153_brats_tcia`)."""
    return pid.split("_ses-", 1)[0]


def list_maps(maps_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every usable map under `maps_dir` (manifest rows that did not fail, else files by name):
    `patient_id, pair_id, diff_path, absdiff_path` (absolute paths), sorted by pair id."""
    maps_dir = Path(maps_dir)
    if not maps_dir.is_dir():
        raise InputError("maps directory not found", maps_dir)
    manifest = maps_dir / MANIFEST
    found = _from_manifest(manifest) if manifest.is_file() else _from_files(maps_dir)
    rows = [
        {
            "patient_id": patient_of(pid),
            "pair_id": pid,
            "diff_path": d,
            "absdiff_path": a if a and Path(a).is_file() else "",
        }
        for pid, (d, a, status) in sorted(found.items())
        if status != "failed" and d and Path(d).is_file()
    ]
    return pd.DataFrame(rows, columns=["patient_id", "pair_id", "diff_path", "absdiff_path"])


def locate_maps(pairs: pd.DataFrame, maps_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Add `diff_path`, `absdiff_path` (absolute, or empty) and `missing_reason` (empty when found)."""
    maps_dir = Path(maps_dir)
    if not maps_dir.is_dir():
        raise InputError("maps directory not found", maps_dir)
    manifest = maps_dir / MANIFEST
    found = _from_manifest(manifest) if manifest.is_file() else {}
    files = _from_files(maps_dir)
    diff, absdiff, reason = [], [], []
    for pid in pairs["pair_id"]:
        d, a, status = found.get(pid) or files.get(pid) or ("", "", "")
        why = ""
        if status == "failed":
            d, a, why = "", "", "difference map failed (manifest status)"
        elif not d:
            why = f"no {DIFF_SUFFIX} map named {pid} under {maps_dir}"
        elif not Path(d).is_file():
            d, a, why = "", "", f"map listed in the manifest does not exist: {d}"
        diff.append(d)
        absdiff.append(a if a and Path(a).is_file() else "")
        reason.append(why)
    return pairs.assign(diff_path=diff, absdiff_path=absdiff, missing_reason=reason)
