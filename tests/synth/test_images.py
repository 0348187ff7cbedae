"""Synthetic images: NIfTI geometry, recorded motion, lesion masks, determinism across jobs."""

from __future__ import annotations

import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk

from glioma_change.formats import mask_path, t2w_path
from glioma_change.synth import generate_dataset
from glioma_change.synth.anatomy import t2_head, tissues
from glioma_change.synth.config import SITE_PROFILES
from glioma_change.synth.montage import session_montage
from glioma_change.synth.writer import lesion_path

OPTIONS = dict(sessions=(3, 3), inplane_mm=(1.8, 2.2), slice_mm=(4.0, 5.0), masks=True)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    return generate_dataset(out, 2, seed=11, **OPTIONS)


def _transform(row) -> sitk.Euler3DTransform:
    """T_s rebuilt from sessions.csv alone."""
    angles = [math.radians(getattr(row, k)) for k in ("rot_x_deg", "rot_y_deg", "rot_z_deg")]
    return sitk.Euler3DTransform((row.center_x, row.center_y, row.center_z), *angles, (row.tx_mm, row.ty_mm, row.tz_mm))


def _corr(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return float(np.corrcoef(a[mask], b[mask])[0, 1])


def test_images_load_with_nibabel_and_correct_affines(dataset) -> None:
    sessions = pd.read_csv(dataset.out_dir / "sessions.csv")
    assert dataset.n_images == len(sessions) == 6 and dataset.n_errors == 0
    for row in sessions.itertuples():
        img = nib.load(t2w_path(dataset.out_dir, row.patient_id, row.session_date))
        assert img.get_data_dtype() == np.int16
        assert img.shape == (row.size_x, row.size_y, row.size_z)
        assert nib.aff2axcodes(img.affine) == ("L", "P", "S")  # sitk's LPS voxel axes, stored RAS
        np.testing.assert_allclose(
            np.abs(np.diag(img.affine)[:3]), [row.spacing_x, row.spacing_y, row.spacing_z], rtol=1e-5
        )
        centre_ras = img.affine @ np.r_[(np.array(img.shape) - 1) / 2.0, 1.0]
        expected_lps = np.array([row.center_x, row.center_y, row.center_z])
        assert np.linalg.norm(centre_ras[:3] * [-1, -1, 1] - expected_lps) < 8 * math.sqrt(3) + 0.1  # FOV shift
        lesion = nib.load(lesion_path(dataset.out_dir, row.patient_id, row.session_date))
        np.testing.assert_allclose(lesion.affine, img.affine)
        assert set(np.unique(np.asarray(lesion.dataobj))) <= {0, 1, 2}


def test_recorded_motion_reproduces_session_geometry(dataset) -> None:
    sessions = pd.read_csv(dataset.out_dir / "sessions.csv")
    t = tissues()
    brain = sitk.GetImageFromArray(t.brain.astype(np.uint8))
    brain.CopyInformation(t.reference)
    head = sitk.GetImageFromArray(t2_head(tuple(SITE_PROFILES["default"].tissue_t2.items())))
    head.CopyInformation(t.reference)
    for row in sessions.itertuples():
        path = t2w_path(dataset.out_dir, row.patient_id, row.session_date)
        image = sitk.ReadImage(str(path), sitk.sitkFloat32)
        written_mask = sitk.GetArrayFromImage(sitk.ReadImage(str(mask_path(path)))) > 0
        rebuilt = sitk.GetArrayFromImage(sitk.Resample(brain, image, _transform(row), sitk.sitkNearestNeighbor)) > 0
        dice = 2 * (rebuilt & written_mask).sum() / (rebuilt.sum() + written_mask.sum())
        assert dice > 0.99
        arr = sitk.GetArrayFromImage(image)
        moved = sitk.GetArrayFromImage(sitk.Resample(head, image, _transform(row), sitk.sitkLinear))
        still = sitk.GetArrayFromImage(sitk.Resample(head, image, sitk.Euler3DTransform(), sitk.sitkLinear))
        assert _corr(arr, moved, written_mask) > 0.85
        assert _corr(arr, moved, written_mask) > _corr(arr, still, written_mask) + 0.1


def test_pair_transform_maps_later_onto_earlier_session(dataset) -> None:
    sessions = pd.read_csv(dataset.out_dir / "sessions.csv")
    rows = list(sessions[sessions.patient_id == sessions.patient_id.iloc[0]].itertuples())
    a, b = rows[0], rows[1]
    img_a = sitk.ReadImage(str(t2w_path(dataset.out_dir, a.patient_id, a.session_date)), sitk.sitkFloat32)
    img_b = sitk.ReadImage(str(t2w_path(dataset.out_dir, b.patient_id, b.session_date)), sitk.sitkFloat32)
    pair = sitk.CompositeTransform([_transform(a).GetInverse(), _transform(b)])  # T_A^-1 o T_B (B applied first)
    aligned = sitk.GetArrayFromImage(sitk.Resample(img_a, img_b, pair, sitk.sitkLinear))
    naive = sitk.GetArrayFromImage(sitk.Resample(img_a, img_b, sitk.Euler3DTransform(), sitk.sitkLinear))
    arr_b = sitk.GetArrayFromImage(img_b)
    mask = (
        sitk.GetArrayFromImage(sitk.ReadImage(str(mask_path(t2w_path(dataset.out_dir, b.patient_id, b.session_date)))))
        > 0
    )
    mask &= aligned > 0
    assert _corr(arr_b, aligned, mask) > 0.8
    assert _corr(arr_b, aligned, mask) > _corr(arr_b, naive, mask) + 0.1


def test_lesion_masks_match_truth_volumes_and_are_hyperintense(dataset) -> None:
    truth = dataset.tables.truth
    for row in truth.itertuples():
        for date, volume in ((row.comparative_date, row.t2_vol_a_ml), (row.exam_date, row.t2_vol_b_ml)):
            lesion_img = sitk.ReadImage(str(lesion_path(dataset.out_dir, row.patient_id, date)))
            lesion = sitk.GetArrayFromImage(lesion_img)
            measured = (lesion == 1).sum() * np.prod(lesion_img.GetSpacing()) / 1000.0
            assert abs(measured - volume) / volume < 0.2
            t2 = sitk.GetArrayFromImage(sitk.ReadImage(str(t2w_path(dataset.out_dir, row.patient_id, date))))
            brain = sitk.GetArrayFromImage(
                sitk.ReadImage(str(mask_path(t2w_path(dataset.out_dir, row.patient_id, date))))
            )
            assert np.median(t2[lesion == 1]) > 1.3 * np.median(t2[(brain > 0) & (lesion == 0)])


def test_same_seed_gives_identical_images_whatever_the_jobs(dataset, tmp_path: Path) -> None:
    again = generate_dataset(tmp_path, 2, seed=11, jobs=2, **OPTIONS)
    for name in ("reports.csv", "truth.csv", "sessions.csv", "human_labels.csv"):
        assert (again.out_dir / name).read_bytes() == (dataset.out_dir / name).read_bytes()
    sessions = pd.read_csv(dataset.out_dir / "sessions.csv")
    for row in sessions.itertuples():
        for path in (t2w_path, lambda d, p, s: lesion_path(d, p, s)):
            first = nib.load(path(dataset.out_dir, row.patient_id, row.session_date))
            second = nib.load(path(again.out_dir, row.patient_id, row.session_date))
            np.testing.assert_array_equal(np.asarray(first.dataobj), np.asarray(second.dataobj))
            np.testing.assert_array_equal(first.affine, second.affine)


def test_montage_png(dataset, tmp_path: Path) -> None:
    import matplotlib.image

    png = session_montage(dataset.out_dir, "S0001", tmp_path / "montage.png")
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > pixels.shape[1] > 300  # three sessions stacked, three planes across
    assert pixels[..., :3].std() > 0.05


def test_clinical_sessions_have_their_slice_axis_and_cut_vertex(tmp_path: Path) -> None:
    from glioma_change.synth.plan import BRAIN_TOP_MM

    out = generate_dataset(
        tmp_path, 3, seed=5, acquisition="clinical", sessions=(2, 2), inplane_mm=(2.0, 2.0), slice_mm=(4.0, 5.0)
    ).out_dir
    sessions = pd.read_csv(out / "sessions.csv", dtype={"patient_id": str})
    assert (sessions.vertex_cut_mm > 0).any()
    for row in sessions.itertuples():
        image = sitk.ReadImage(str(t2w_path(out, row.patient_id, row.session_date)))
        spacing = image.GetSpacing()
        assert spacing["xyz".index(row.slice_axis)] == pytest.approx(max(spacing)) and max(spacing) >= 4.0
        assert sitk.GetArrayViewFromImage(sitk.ReadImage(str(lesion_path(out, row.patient_id, row.session_date)))).any()
        if row.vertex_cut_mm > 0:  # the top of the field of view lies `cut` mm below the (unmoved) vertex
            top = image.TransformIndexToPhysicalPoint([0, 0, image.GetSize()[2] - 1])[2]
            assert top == pytest.approx(row.center_z + BRAIN_TOP_MM - row.vertex_cut_mm, abs=0.01)
