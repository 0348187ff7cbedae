"""Accuracy on the project's synthetic dataset (known motion and lesions): registration error against
`T_A^-1 ∘ T_B`, residual of stable pairs, and map energy in the true changed region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from glioma_change.imaging import validation
from glioma_change.imaging.batch import consecutive_pairs, run_batch
from glioma_change.imaging.pipeline import DiffmapOptions
from glioma_change.synth import generate_dataset


@pytest.fixture(scope="module")
def synth_maps(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    root = tmp_path_factory.mktemp("synth")
    generate_dataset(root, 2, seed=3, sessions=(3, 3), inplane_mm=(2.0, 2.0), slice_mm=(4.0, 4.0))
    out = root / "maps"
    manifest = run_batch(root, out, consecutive_pairs(root), DiffmapOptions(spacing=3.0), jobs=1, seed=0)
    return root, out, manifest


def test_registration_recovers_synthetic_motion(synth_maps) -> None:
    root, out, manifest = synth_maps
    sessions = pd.read_csv(root / "sessions.csv", dtype={"patient_id": str})
    rotation, translation = [], []
    for row in manifest.itertuples():
        assert row.status in ("ok", "flagged"), row.error
        estimated = sitk.ReadTransform(str(out / row.transform_path))
        truth = validation.true_pair_transform(sessions, row.patient_id, row.comparative_date, row.exam_date)
        diff = sitk.ReadImage(str(out / row.diff_path))
        centre = diff.TransformContinuousIndexToPhysicalPoint([(s - 1) / 2 for s in diff.GetSize()])
        error = validation.transform_error(estimated, truth, np.asarray(centre))
        rotation.append(error.rotation_deg)
        translation.append(error.translation_mm)
    assert np.median(rotation) < 0.5 and np.percentile(rotation, 95) < 1.0
    assert np.median(translation) < 0.5 and np.percentile(translation, 95) < 1.0


def test_registration_removes_most_of_the_difference(synth_maps) -> None:
    _, _, manifest = synth_maps
    ratio = manifest["mean_absdiff_after"] / manifest["mean_absdiff_before"]
    assert (manifest["mean_absdiff_before"] > 0.3).all()  # the synthetic motion is real
    assert ratio.median() < 0.3


def test_changed_region_dominates_the_map(synth_maps) -> None:
    root, out, manifest = synth_maps
    sessions = pd.read_csv(root / "sessions.csv", dtype={"patient_id": str})
    truth = pd.read_csv(root / "truth.csv", dtype={"patient_id": str})
    changed_pairs = truth[truth["t2_label"] == 1].merge(manifest, on=["patient_id", "comparative_date", "exam_date"])
    if changed_pairs.empty:
        pytest.skip("no pair with T2 change drawn for this seed")
    ratios = []
    for row in changed_pairs.itertuples():
        diff = sitk.ReadImage(str(out / row.diff_path))
        tx = validation.true_pair_transform(sessions, row.patient_id, row.comparative_date, row.exam_date)
        changed = validation.changed_region(
            sitk.ReadImage(str(validation.lesion_path(root, row.patient_id, row.comparative_date))),
            sitk.ReadImage(str(validation.lesion_path(root, row.patient_id, row.exam_date))),
            diff,
            tx,
        )
        ratios.append(validation.energy_ratio(diff, changed, sitk.Cast(sitk.Abs(diff) > 0, sitk.sitkUInt8)))
    assert np.median(ratios) >= 5.0
