"""Join the difference-map manifest with human labels (HAD) and confident weak labels (WAD).

Result (one row per usable pair, sorted by patient and dates)::

    patient_id, comparative_date, exam_date, pair_id, diff_path, absdiff_path, label, source, weak_prob

`diff_path`/`absdiff_path` are absolute (manifest paths are relative to the manifest's folder, or to
`maps_dir`). Manifest rows with status `failed` are dropped. A pair with a human label is a `human`
row (its `weak_prob` is the weak label's probability when the weak file has the pair, for comparison);
the other pairs with a weak label become `weak` rows when `prob ≥ threshold` (label 1) or
`prob ≤ 1 − threshold` (label 0), and are dropped otherwise. Labels without a usable map are dropped.
Every drop is counted in one log line.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal, TypeAlias

import pandas as pd

from glioma_change.errors import InputError
from glioma_change.formats import MAP_COLUMNS, PAIR_KEY, iso, parse_date, read_label_csv, require_columns

log = logging.getLogger(__name__)

Table: TypeAlias = pd.DataFrame | str | os.PathLike[str]
JOIN_COLUMNS = [*MAP_COLUMNS, "label", "source", "weak_prob"]
REQUIRED_MANIFEST_COLUMNS = [*MAP_COLUMNS, "status"]


def _normalise_keys(df: pd.DataFrame, source: str) -> pd.DataFrame:
    df = df.copy()
    df["patient_id"] = df["patient_id"].astype(str)
    for col in ("comparative_date", "exam_date"):
        for i, value in df[col].items():
            try:
                df.at[i, col] = iso(parse_date(value))
            except ValueError as exc:
                raise InputError(f"column {col}: {exc}", source, int(i) + 1) from None
    dup = df.duplicated(PAIR_KEY, keep="first")
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise InputError("pair listed twice (patient_id, comparative_date, exam_date)", source, i + 1)
    return df


def _read_manifest(manifest: Table, maps_dir: Path | None) -> pd.DataFrame:
    if isinstance(manifest, pd.DataFrame):
        df, source, base = manifest.reset_index(drop=True), "manifest", maps_dir or Path.cwd()
    else:
        path = Path(manifest)
        if not path.is_file():
            raise InputError("manifest not found", path)
        df, source, base = pd.read_csv(path, dtype={"patient_id": str}), str(path), maps_dir or path.parent
    require_columns(df, REQUIRED_MANIFEST_COLUMNS, source)
    df = _normalise_keys(df, source)
    base = base.resolve()
    for col in ("diff_path", "absdiff_path"):
        df[col] = [str(base / p) if isinstance(p, str) and p else None for p in df[col]]
    return df


def _read_labels(labels: Table, name: str, label_col: str) -> pd.DataFrame:
    if isinstance(labels, pd.DataFrame):
        df, source = labels.reset_index(drop=True), name
    else:
        df, source = read_label_csv(labels), str(labels)
    if label_col not in df.columns:
        raise InputError(f"missing column {label_col}", source)
    bad = df[label_col].notna() & ~df[label_col].isin([0, 1])
    if bad.any():
        raise InputError(f"column {label_col}: label must be 0 or 1", source, int(bad.to_numpy().argmax()) + 1)
    return _normalise_keys(df, source)


def join_maps_labels(
    manifest: Table,
    human_labels: Table,
    weak_labels: Table | None,
    threshold: float,
    label: Literal["t2", "global"] = "t2",
    maps_dir: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Maps joined with human labels and confident weak labels (see module docstring).

    `label` picks the label-CSV columns (`t2_label`/`t2_prob` or `global_label`/`global_prob`);
    `threshold` ∈ [0.5, 1]; `weak_labels=None` gives human rows only.
    """
    if not 0.5 <= threshold <= 1.0:
        raise ValueError(f"weak-label threshold must lie in [0.5, 1], got {threshold}")
    label_col, prob_col = f"{label}_label", f"{label}_prob"
    maps = _read_manifest(manifest, Path(maps_dir) if maps_dir is not None else None)
    n_failed = int((maps["status"] == "failed").sum())
    maps = maps[maps["status"] != "failed"]
    cols = ["pair_id", "diff_path", "absdiff_path", *PAIR_KEY]

    human = _read_labels(human_labels, "human labels", label_col)
    n_human_unlabelled = int(human[label_col].isna().sum())
    human = human[human[label_col].notna()]
    human = human[[*PAIR_KEY, label_col]].rename(columns={label_col: "label"})
    human_rows = maps[cols].merge(human, on=PAIR_KEY, how="inner").assign(source="human")
    n_human_unmapped = len(human) - len(human_rows)

    parts = [human_rows]
    n_unconfident = n_weak_unmapped = 0
    if weak_labels is not None:
        weak = _read_labels(weak_labels, "weak labels", label_col)
        weak = weak[weak[prob_col].notna()][[*PAIR_KEY, prob_col]].rename(columns={prob_col: "weak_prob"})
        parts[0] = human_rows.merge(weak, on=PAIR_KEY, how="left")
        weak = weak[~pd.MultiIndex.from_frame(weak[PAIR_KEY]).isin(pd.MultiIndex.from_frame(human[PAIR_KEY]))]
        confident = (weak["weak_prob"] >= threshold) | (weak["weak_prob"] <= 1.0 - threshold)
        n_unconfident = int((~confident).sum())
        weak = weak[confident].assign(label=(weak["weak_prob"] >= threshold).astype(int), source="weak")
        parts.append(maps[cols].merge(weak, on=PAIR_KEY, how="inner"))
        n_weak_unmapped = len(weak) - len(parts[1])
    else:
        parts[0] = human_rows.assign(weak_prob=float("nan"))
    df = pd.concat(parts, ignore_index=True)
    df["label"] = df["label"].astype(int)
    df["weak_prob"] = df["weak_prob"].astype(float)
    df = df.sort_values(PAIR_KEY, kind="stable").reset_index(drop=True)[JOIN_COLUMNS]
    log.info(
        "joined %d human and %d weak pairs; dropped %d failed maps, %d human rows without %s, "
        "%d human and %d weak labels without a map, %d weak labels below threshold %.2f",
        int((df["source"] == "human").sum()),
        int((df["source"] == "weak").sum()),
        n_failed,
        n_human_unlabelled,
        label_col,
        n_human_unmapped,
        n_weak_unmapped,
        n_unconfident,
        threshold,
    )
    return df
