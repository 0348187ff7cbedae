"""Many pairs: parallel (`jobs` worker processes, one thread each, a patient per task), resumable, one
manifest row per pair. The same inputs and seed give the same bytes whatever `jobs` or `shard`.

Each finished pair writes a small row file (`OUT/.manifest/<pair_id>.json`) after its maps, so a
killed batch keeps every finished pair; a rerun skips them and merges all rows into
`OUT/manifest.csv`. A failing pair becomes a `failed` row (and a line of `diffmaps.errors.csv`),
and is retried on the next run.

Sharding (`shard=(K, N)`): N independent jobs (e.g. a scheduler's array) build disjoint sets of pairs
into one output folder. Every job merges all row files present into `manifest.csv` and
`diffmaps.errors.csv` under an exclusive lock when it ends, so the last job's files hold every pair.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import logging
import multiprocessing
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from glioma_change import formats
from glioma_change.errors import ConfigError, GliomaChangeError, InputError
from glioma_change.imaging.pipeline import DiffmapOptions, PairOutputs, SessionCache, process_pair
from glioma_change.io import ErrorLog, file_lock, write_csv_atomic, write_text_atomic
from glioma_change.progress import progress_bar
from glioma_change.runinfo import write_run_info

log = logging.getLogger(__name__)

ROWS_DIR = ".manifest"
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

Shard = tuple[int, int]  # (K, N): job K of N, 1 ≤ K ≤ N


@dataclass(frozen=True)
class PairTask:
    """One pair to process: earlier exam A (comparative) and later exam B (exam); `row` of the pairs CSV."""

    patient_id: str
    comparative_date: str  # `formats.session_value`: ISO date or day number
    exam_date: str
    row: int | None = None

    @property
    def pair_id(self) -> str:
        return formats.pair_id(self.patient_id, self.comparative_date, self.exam_date)

    @property
    def subject_dir(self) -> str:
        return f"sub-{formats.subject_label(self.patient_id)}"


def pairs_from_labels(path: str | os.PathLike[str]) -> list[PairTask]:
    """Pairs named by the rows of a pair table (comparative → exam), duplicates removed: a label CSV, the
    BraTS-2015 label file (`sub`, `ses_diff`) or a plain pair list (`formats.read_pair_list`)."""
    df = formats.read_pair_list(path)
    tasks, seen = [], set()
    for row in df.itertuples(index=False):
        task = PairTask(str(row.patient_id), str(row.comparative_date), str(row.exam_date), int(row.row))
        if task.pair_id not in seen:
            seen.add(task.pair_id)
            tasks.append(task)
    return tasks


def consecutive_pairs(bids_dir: str | os.PathLike[str]) -> list[PairTask]:
    """Every pair of consecutive sessions of every subject folder, in date or day order (`subject_sessions`)."""
    root = Path(bids_dir)
    if not root.is_dir():
        raise InputError("BIDS directory not found", root)
    tasks = []
    for subject in sorted(p for p in root.glob("sub-*") if p.is_dir()):
        sessions, warnings = subject_sessions(subject)
        for warning in warnings:
            log.warning("%s", warning)
        for earlier, later in zip(sessions, sessions[1:]):
            tasks.append(PairTask(subject.name[4:], earlier, later))
    return tasks


def subject_sessions(subject: Path) -> tuple[list[str], list[str]]:
    """The sessions of one subject folder in order, and why any session folder was passed over.

    When the subject's sessions.tsv dates every `ses-*` folder, the sessions are those dates (ISO, one folder a
    date: the first in name order); otherwise the folder names that are dates or day numbers.
    """
    labels = sorted(m.group(1) for p in subject.iterdir() if (m := formats.SESSION_DIR.match(p.name)) and p.is_dir())
    dated, table = formats.read_sessions_tsv(subject), formats.sessions_tsv(subject).name
    if labels and all(label in dated for label in labels):
        by_day: dict[dt.date, str] = {}
        warnings = []
        for label in labels:
            first = by_day.setdefault(dated[label], label)
            if first != label:
                day = formats.iso(dated[label])
                warnings.append(
                    f"{subject}: ses-{first} and ses-{label} are both dated {day} by {table}; ses-{label} skipped"
                )
        return [formats.iso(day) for day in sorted(by_day)], warnings
    warnings = []
    undated = [f"ses-{label}" for label in labels if label not in dated]
    if dated and undated:
        warnings.append(
            f"{subject}: {table} gives no acq_time for {', '.join(undated)}; sessions named by their folders"
        )
    sessions = []
    for label in labels:
        try:
            sessions.append(formats.session_value(label))
        except ValueError:
            warnings.append(
                f"{subject / f'ses-{label}'}: not a date or day-number session, skipped"
                f" (an acq_time in {table} for every session would date them)"
            )
    return sorted(sessions, key=formats.session_key), warnings


def nothing_to_do(bids_dir: str | os.PathLike[str]) -> str:
    """Why `consecutive_pairs(bids_dir)` found no pair, in one sentence."""
    root = Path(bids_dir)
    subjects = [p for p in root.glob("sub-*") if p.is_dir()]
    if not subjects:
        return f"no sub-* folder in {root} (expected sub-<id>/ses-<YYYYMMDD or day number>/anat/*_T2w.nii.gz)"
    if not any(subject_sessions(s)[0] for s in subjects):
        return (
            f"{len(subjects)} subject folder(s) but no ses-<YYYYMMDD or day number> folder in any, "
            "nor one dated by its sub-<id>_sessions.tsv"
        )
    return f"no subject of {len(subjects)} has two or more sessions"


def locate_session(bids_dir: Path, patient_id: str, date: str) -> Path:
    """The T2w file of one session; `InputError` naming what is missing or mismatched."""
    path = formats.t2w_path(bids_dir, patient_id, date)
    if path.is_file():
        return path
    anat = path.parent
    others = sorted(anat.glob("*_T2w.nii*")) if anat.is_dir() else []
    if others:
        raise InputError(
            f"patient/session mismatch: expected {path.name}, the folder holds {', '.join(p.name for p in others)}",
            anat,
        )
    if not path.parents[2].is_dir():
        raise InputError(f"missing subject: no folder for patient {patient_id!r}", path.parents[2])
    raise InputError(f"missing session {formats.session_label(date)} of patient {patient_id!r}", path)


def check_shard(shard: Shard) -> Shard:
    """`shard` itself when 1 ≤ K ≤ N; `ConfigError` otherwise."""
    k, n = shard
    if n < 1 or not 1 <= k <= n:
        raise ConfigError(f"--shard {k}/{n}: need K/N with 1 ≤ K ≤ N (e.g. 1/4)")
    return shard


def parse_shard(text: str) -> Shard:
    """`"K/N"` → (K, N); `ConfigError` for anything else."""
    match = _SHARD.match(text)
    if match is None:
        raise ConfigError(f"--shard must be K/N with 1 ≤ K ≤ N (e.g. 1/4), got {text!r}")
    return check_shard((int(match.group(1)), int(match.group(2))))


def shard_tasks(tasks: list[PairTask], shard: Shard) -> list[PairTask]:
    """The pairs of job K of N: every pair of the patients at positions K−1, K−1+N, … of the sorted patient ids
    (deterministic; a patient's sessions are prepared by one job only)."""
    k, n = check_shard(shard)
    mine = set(sorted({t.patient_id for t in tasks})[k - 1 :: n])
    return [t for t in tasks if t.patient_id in mine]


def _row_path(out_dir: Path, task: PairTask) -> Path:
    return out_dir / ROWS_DIR / f"{task.pair_id}.json"


def _outputs(out_dir: Path, task: PairTask) -> PairOutputs:
    return PairOutputs.under(out_dir / task.subject_dir, task.pair_id)


def is_finished(out_dir: Path, task: PairTask) -> bool:
    """A pair is finished when its row says ok/flagged and all its files exist."""
    row_file = _row_path(out_dir, task)
    if not row_file.is_file():
        return False
    row = json.loads(row_file.read_text())
    return row.get("status") in ("ok", "flagged") and _outputs(out_dir, task).all_exist()


def _remove_stale_temporaries(out_dir: Path, task: PairTask) -> None:
    """Delete temporary files a killed run of this pair left behind (never final files)."""
    folder = out_dir / task.subject_dir
    if folder.is_dir():
        for tmp in folder.glob(f".{task.pair_id}_*.tmp*"):
            tmp.unlink(missing_ok=True)


def run_patient(bids_dir: Path, out_dir: Path, tasks: list[PairTask], options: DiffmapOptions, seed: int) -> int:
    """Process the pairs of one patient in turn, each session prepared once; return how many were run."""
    sessions = SessionCache(options, seed)
    for task in tasks:
        run_pair(bids_dir, out_dir, task, options, seed, sessions)
    return len(tasks)


def run_pair(
    bids_dir: Path,
    out_dir: Path,
    task: PairTask,
    options: DiffmapOptions,
    seed: int,
    sessions: SessionCache | None = None,
) -> dict[str, object]:
    """Process one pair and write its row file; errors become a `failed` row (never raised)."""
    outputs = _outputs(out_dir, task)
    row: dict[str, object] = {
        "patient_id": task.patient_id,
        "comparative_date": task.comparative_date,
        "exam_date": task.exam_date,
        "pair_id": task.pair_id,
        "diff_path": "",
        "absdiff_path": "",
        "qc_path": "",
        "transform_path": "",
        "status": "failed",
        "error": "",
    }
    try:
        _remove_stale_temporaries(out_dir, task)
        a_path = locate_session(bids_dir, task.patient_id, task.comparative_date)
        b_path = locate_session(bids_dir, task.patient_id, task.exam_date)
        if formats.session_key(task.comparative_date) >= formats.session_key(task.exam_date):
            raise InputError(f"comparative session {task.comparative_date} is not before exam session {task.exam_date}")
        metrics = process_pair(a_path, b_path, outputs.diff.parent, task.pair_id, options, seed, sessions)
        row.update(metrics)
        row.update(
            {
                "diff_path": outputs.diff.relative_to(out_dir).as_posix(),
                "absdiff_path": outputs.absdiff.relative_to(out_dir).as_posix(),
                "qc_path": outputs.qc_png.relative_to(out_dir).as_posix(),
                "transform_path": outputs.transform.relative_to(out_dir).as_posix(),
                "status": "flagged" if metrics["flags"] else "ok",
            }
        )
    except GliomaChangeError as exc:
        row["error"] = str(exc)
    except Exception as exc:
        message = " ".join(str(exc).split())[-400:]
        row["error"] = f"{type(exc).__name__}: {message}"
    write_text_atomic(json.dumps(row, default=float), _row_path(out_dir, task))
    return row


def _init_worker() -> None:
    """Each worker computes with one thread (the pipeline runs ITK with one thread whatever this says):
    parallel sums are thread-order dependent, and the maps must be the same bytes every time."""
    os.environ["OMP_NUM_THREADS"] = "1"


def available_cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def write_manifest(out_dir: Path, tasks: list[PairTask]) -> pd.DataFrame:
    """Merge the row files of `tasks` into `OUT/manifest.csv` (and `diffmaps.errors.csv`).

    Merges are serialised by a lock and read every row file present, so the last merge holds every
    pair finished before it, whichever job (shard) finished it.
    """
    with file_lock(out_dir / ROWS_DIR / "merge.lock"):  # serialises merges of concurrent shards
        return _merge_rows(out_dir, tasks)


def _merge_rows(out_dir: Path, tasks: list[PairTask]) -> pd.DataFrame:
    rows, errors = [], ErrorLog("diffmaps")
    for task in tasks:
        row_file = _row_path(out_dir, task)
        if not row_file.is_file():
            continue
        row = json.loads(row_file.read_text())
        rows.append(row)
        if row["status"] == "failed":
            errors.add(str(row["error"]), row=task.row, item=task.pair_id)
    df = pd.DataFrame(rows)
    extra = [c for c in df.columns if c not in formats.MANIFEST_COLUMNS]
    df = df.reindex(columns=formats.MANIFEST_COLUMNS + extra)
    write_csv_atomic(df, out_dir / formats.MANIFEST)
    errors.write(out_dir / "diffmaps.errors.csv")
    return df


def run_batch(
    bids_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    tasks: list[PairTask],
    options: DiffmapOptions = DiffmapOptions(),
    jobs: int = 1,
    seed: int = 0,
    shard: Shard | None = None,
) -> pd.DataFrame:
    """Process every unfinished pair of `tasks` (of shard K of N only, when given) with `jobs`
    workers; return the manifest merged from every pair of `tasks` finished so far."""
    bids, out = Path(bids_dir), Path(out_dir)
    mine = tasks if shard is None else shard_tasks(tasks, shard)
    out.mkdir(parents=True, exist_ok=True)
    todo = [t for t in mine if not is_finished(out, t)]
    if len(todo) < len(mine):
        log.info("skipping %d finished pair(s)", len(mine) - len(todo))
    jobs = max(1, min(jobs, len(todo) or 1))
    write_run_info(
        out,
        seed,
        {
            "command": "diffmaps",
            "jobs": jobs,
            "threads_per_job": 1,
            "shard": None if shard is None else f"{shard[0]}/{shard[1]}",
            "options": asdict(options),
        },
    )
    by_patient: dict[str, list[PairTask]] = {}
    for task in todo:
        by_patient.setdefault(task.patient_id, []).append(task)
    bar = progress_bar(len(todo), desc="diffmaps", unit="pair")
    if jobs == 1:
        _init_worker()
        for group in by_patient.values():
            bar.update(run_patient(bids, out, group, options, seed))
    else:
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker) as pool:
            # the largest patients first, so no worker is left alone with a long patient at the end
            groups = sorted(by_patient.values(), key=len, reverse=True)
            futures = [pool.submit(run_patient, bids, out, group, options, seed) for group in groups]
            for future in cf.as_completed(futures):
                bar.update(future.result())
    bar.close()
    return write_manifest(out, tasks)
