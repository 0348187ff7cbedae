"""A fake BraTS-2015 download with the real naming, small enough for tests.

`BRATS2015_Training/{HGG,LGG}/brats_tcia_pat<NNN>_<SSSS>/VSD.Brain.XX.O.MR_T2.<ID>/VSD.Brain.XX.O.MR_T2.<ID>.mha`:
skull-stripped (exact zeros outside the brain), int16, a coarse grid (4 mm instead of 1 mm) so a pair
registers in seconds; each case folder also holds a FLAIR volume, which the import must ignore.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from glioma_change.testing.imaging import SessionSpec, euler, head_brain_mask, make_session, t2_head

SPACING = (4.0, 4.0, 4.0)


@dataclass(frozen=True)
class Case:
    """One patient-day folder: grade, patient number, day, lesion radius and a small head motion."""

    grade: str
    patient: str
    day: str
    lesion_mm: float = 0.0
    shift_mm: float = 0.0
    prefix: str = "brats_tcia_pat"


def stripped_session(case: Case, seed: int) -> sitk.Image:
    """A skull-stripped T2 volume (zero background, int16) of the synthetic head."""
    head, centre = t2_head()
    spec = SessionSpec("20000101", (1.0, -1.0, 0.5), (case.shift_mm, -case.shift_mm, 0.0), case.lesion_mm)
    image, _ = make_session(head, centre, spec, SPACING, seed, noise_sd=4.0)
    brain = sitk.Resample(head_brain_mask(), image, euler(spec, centre), sitk.sitkNearestNeighbor, 0)
    array = sitk.GetArrayFromImage(image) * (sitk.GetArrayFromImage(brain) > 0)
    out = sitk.GetImageFromArray(np.round(array).astype(np.int16))
    out.CopyInformation(image)
    return out


def make_download(root: Path, cases: list[Case]) -> Path:
    """Write the cases under `root/BRATS2015_Training`; return that folder."""
    top = root / "BRATS2015_Training"
    for i, case in enumerate(cases):
        folder = top / case.grade / f"{case.prefix}{case.patient}_{case.day}"
        t2 = folder / f"VSD.Brain.XX.O.MR_T2.{54000 + i}" / f"VSD.Brain.XX.O.MR_T2.{54000 + i}.mha"
        flair = folder / f"VSD.Brain.XX.O.MR_Flair.{55000 + i}" / f"VSD.Brain.XX.O.MR_Flair.{55000 + i}.mha"
        t2.parent.mkdir(parents=True)
        flair.parent.mkdir(parents=True)
        image = stripped_session(case, seed=i)
        sitk.WriteImage(image, str(t2))
        sitk.WriteImage(image // 2, str(flair))
    return top
