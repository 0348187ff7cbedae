"""Import a BraTS-2015 download into the BIDS-like layout `diffmaps` reads.

The download holds one folder per patient and day, under either grade folder::

    BRATS2015_Training/{HGG,LGG}/brats_tcia_pat<NNN>_<SSSS>/VSD.Brain.XX.O.MR_T2.<ID>/VSD.Brain.XX.O.MR_T2.<ID>.mha

(skull-stripped, co-registered, 1 mm, 240×240×155). Each T2 volume becomes
`sub-<NNN>_brats_tcia/ses-<SSSS>/anat/sub-<NNN>_brats_tcia_ses-<SSSS>_T2w.nii.gz` with its geometry
(origin, spacing, direction) and voxel type unchanged. By default only the patients of the released
longitudinal label file are imported. `brats_import.csv` records each volume's source path, patient, day
and grade, and every session the label file names but the download lacks (`status = missing`).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import SimpleITK as sitk

from glioma_change import formats
from glioma_change.errors import InputError
from glioma_change.io import ErrorLog, atomic_path, write_csv_atomic
from glioma_change.progress import progress

log = logging.getLogger(__name__)

PATIENT_DIR = re.compile(r"^brats_tcia_pat(\d+)_(\d+)$", re.IGNORECASE)
T2_FILE = re.compile(r"^VSD\.Brain\.XX\.O\.MR_T2\.\d+\.mha$", re.IGNORECASE)
PROVENANCE_FILE = "brats_import.csv"
PROVENANCE_COLUMNS = ["patient_id", "session", "grade", "source_path", "t2w_path", "status", "error"]


@dataclass(frozen=True)
class BratsVolume:
    """One T2 volume of the download: patient number `NNN`, day `SSSS`, grade folder and source file."""

    patient: str
    day: str
    grade: str
    source: Path

    @property
    def subject(self) -> str:
        """Subject label as in the released label file: `<NNN>_brats_tcia`."""
        return f"{self.patient}_brats_tcia"

    @property
    def session(self) -> str:
        return formats.session_value(self.day)


def find_t2_volumes(src: str | os.PathLike[str]) -> list[BratsVolume]:
    """Every longitudinal (`brats_tcia_pat*`) T2 volume under `src`, sorted by patient and day."""
    root = Path(src)
    if not root.is_dir():
        raise InputError("BraTS-2015 folder not found", root)
    found = []
    for path in root.rglob("*.mha"):
        if not T2_FILE.match(path.name):
            continue
        case = path.parent.parent
        match = PATIENT_DIR.match(case.name)
        if match is None:
            continue
        found.append(BratsVolume(match.group(1), match.group(2), case.parent.name, path))
    return sorted(found, key=lambda v: (v.subject, formats.session_key(v.day), str(v.source)))


def labelled_sessions(labels: str | os.PathLike[str]) -> dict[str, set[str]]:
    """Subject label → the sessions the pairs of a label file (or any pair list) name."""
    pairs = formats.read_pair_list(labels)
    sessions: dict[str, set[str]] = {}
    for row in pairs.itertuples(index=False):
        sessions.setdefault(formats.subject_label(row.patient_id), set()).update((row.comparative_date, row.exam_date))
    return sessions


def _convert(volume: BratsVolume, target: Path) -> None:
    image = sitk.ReadImage(str(volume.source))
    if image.GetDimension() != 3:
        raise InputError(f"expected a 3D volume, got {image.GetDimension()}D", volume.source)
    with atomic_path(target) as tmp:
        sitk.WriteImage(image, str(tmp), useCompression=True)


def import_brats(
    src: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    labels: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Convert the T2 volumes under `src` into `out_dir`; return (and write) the provenance table.

    With `labels` (a pair list such as the released BraTS-2015 label file), only its patients are imported
    and its sessions absent from the download are listed as `missing`; with None, every `brats_tcia` patient.
    Existing outputs are overwritten; a volume that cannot be read becomes a `failed` row (and a line of
    `brats_import.errors.csv`), never the end of the import.
    """
    out = Path(out_dir)
    volumes = find_t2_volumes(src)
    wanted = labelled_sessions(labels) if labels is not None else None
    if wanted is not None:
        volumes = [v for v in volumes if v.subject in wanted]
    rows, errors, seen = [], ErrorLog("import-brats"), set()
    for volume in progress(volumes, desc="import-brats", unit="volume"):
        target = formats.t2w_path(out, volume.subject, volume.session)
        row = {
            "patient_id": f"sub-{volume.subject}",
            "session": volume.session,
            "grade": volume.grade,
            "source_path": str(volume.source),
            "t2w_path": target.relative_to(out).as_posix(),
            "status": "ok",
            "error": "",
        }
        try:
            if (volume.subject, volume.session) in seen:
                raise InputError(
                    f"second T2 volume for {volume.subject} day {volume.day}; the first is kept", volume.source
                )
            _convert(volume, target)
            seen.add((volume.subject, volume.session))
        except Exception as exc:
            row.update(status="failed", t2w_path="", error=" ".join(str(exc).split())[:400])
            errors.add(row["error"], item=str(volume.source))
        rows.append(row)
    for subject, sessions in sorted((wanted or {}).items()):
        for session in sorted(sessions - {s for sub, s in seen if sub == subject}, key=formats.session_key):
            if any(r["patient_id"] == f"sub-{subject}" and r["session"] == session for r in rows):
                continue
            rows.append(
                {
                    "patient_id": f"sub-{subject}",
                    "session": session,
                    "grade": "",
                    "source_path": "",
                    "t2w_path": "",
                    "status": "missing",
                    "error": "not in the download",
                }
            )
    table = pd.DataFrame(rows, columns=PROVENANCE_COLUMNS)
    out.mkdir(parents=True, exist_ok=True)
    write_csv_atomic(table, out / PROVENANCE_FILE)
    errors.write(out / "brats_import.errors.csv")
    return table
