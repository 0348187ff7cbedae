"""Imaging steps on small synthetic volumes: input checks, N4, masks, registration, grid, maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from glioma_change.errors import InputError
from glioma_change.imaging import bias, check, io, mask, normalise, qc, register, resample, subtract, validation
from glioma_change.imaging.check import CheckSettings
from glioma_change.testing.imaging import SessionSpec, euler, head_brain_mask, make_session, t2_head

SPACING = (3.0, 3.0, 4.0)


@pytest.fixture(scope="module")
def head() -> tuple[sitk.Image, np.ndarray]:
    return t2_head()


def _write(image: sitk.Image, path: Path) -> Path:
    sitk.WriteImage(image, str(path), useCompression=True)
    return path


def test_read_reorients_to_lps_keeping_physical_points(tmp_path: Path, head) -> None:
    image, _ = make_session(*head, SessionSpec("20200101"), SPACING, seed=1)
    flipped = sitk.DICOMOrient(image, "RAS")
    loaded = io.read_t2w(_write(flipped, tmp_path / "x_T2w.nii.gz"))
    assert np.allclose(loaded.GetDirection(), np.eye(3).ravel())
    point = image.TransformIndexToPhysicalPoint((10, 20, 5))
    assert loaded.GetPixel(loaded.TransformPhysicalPointToIndex(point)) == pytest.approx(image.GetPixel((10, 20, 5)))


@pytest.mark.parametrize(
    "kind, message",
    [("nan", "NaN"), ("zero", "all zero"), ("flat2d", "2D"), ("gzip", "corrupt gzip"), ("missing", "not found")],
)
def test_bad_volumes_raise_input_error_naming_the_file(tmp_path: Path, kind: str, message: str) -> None:
    path = tmp_path / f"sub-1_ses-20200101_{kind}_T2w.nii.gz"
    array = np.random.default_rng(0).uniform(1, 2, (8, 9, 10)).astype(np.float32)
    if kind == "nan":
        array[2, 3, 4] = np.nan
    if kind == "zero":
        array[:] = 0
    if kind == "flat2d":
        array = array[:1]
    if kind != "missing":
        _write(sitk.GetImageFromArray(array), path)
    if kind == "gzip":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=message) as info:
        io.read_t2w(path)
    assert path.name in str(info.value)


def test_n4_removes_most_of_a_bias_field(head) -> None:
    image, _ = make_session(*head, SessionSpec("20200101"), SPACING, seed=2, noise_sd=0.0)
    array = sitk.GetArrayFromImage(image)
    z, y, x = np.meshgrid(*(np.linspace(-1, 1, n) for n in array.shape), indexing="ij")
    field = np.exp(0.4 * x - 0.3 * z).astype(np.float32)
    biased = sitk.GetImageFromArray(array * field)
    biased.CopyInformation(image)
    brain = mask.head_mask(biased)
    corrected = bias.n4_correct(biased, brain)
    inside = sitk.GetArrayViewFromImage(brain) > 0
    # The ratio to the true image is flat when the field is removed.
    ratio_before = np.log(sitk.GetArrayViewFromImage(biased)[inside] + 1) - np.log(array[inside] + 1)
    ratio_after = np.log(sitk.GetArrayViewFromImage(corrected)[inside] + 1) - np.log(array[inside] + 1)
    assert ratio_after.std() < 0.5 * ratio_before.std()


def test_automatic_brain_mask_matches_the_true_brain(head) -> None:
    spec = SessionSpec("20200101", (4.0, -3.0, 6.0), (5.0, -4.0, 3.0))
    image, _ = make_session(*head, spec, SPACING, seed=3)
    truth = sitk.Resample(head_brain_mask(), image, euler(spec, head[1]), sitk.sitkNearestNeighbor, 0)
    auto = mask.auto_brain_mask(image, seed=0)
    assert qc.dice(auto, truth) > 0.9


def test_registration_recovers_known_motion(head) -> None:
    spec_a = SessionSpec("20200101", (5.0, -4.0, 3.0), (6.0, -3.0, 4.0))
    spec_b = SessionSpec("20200601", (-3.0, 2.0, -5.0), (-4.0, 5.0, -2.0))
    a, _ = make_session(*head, spec_a, SPACING, seed=4)
    b, _ = make_session(*head, spec_b, SPACING, seed=5)
    ma, mb = mask.head_mask(a), mask.head_mask(b)
    estimated = register.register(b, a, mb, ma, seed=0)
    truth = validation.pair_transform(euler(spec_a, head[1]), euler(spec_b, head[1]))
    error = validation.transform_error(estimated, truth, np.asarray(head[1]))
    assert error.rotation_deg < 0.5
    assert error.translation_mm < 0.5


def test_grid_has_fixed_shape_spacing_and_is_centred_on_the_brain(head) -> None:
    image, _ = make_session(*head, SessionSpec("20200101", (0, 0, 10.0), (8.0, 0, 0)), SPACING, seed=6)
    brain = mask.head_mask(image)
    grid = resample.brain_grid(image, brain, 2.5, (48, 56, 40))
    assert grid.GetSize() == (40, 56, 48) and grid.GetSpacing() == (2.5, 2.5, 2.5)
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(brain)
    centre = grid.TransformContinuousIndexToPhysicalPoint([(s - 1) / 2 for s in grid.GetSize()])
    assert np.allclose(centre, stats.GetCentroid(1), atol=1e-6)
    assert resample.default_shape(2.0) == (80, 96, 80)


def test_normalise_and_subtract_inside_the_mask_only() -> None:
    rng = np.random.default_rng(0)
    a = sitk.GetImageFromArray(rng.normal(100, 20, (10, 12, 14)).astype(np.float32))
    b = sitk.GetImageFromArray(rng.normal(50, 5, (10, 12, 14)).astype(np.float32))
    m = sitk.GetImageFromArray(np.pad(np.ones((6, 8, 10), np.uint8), 2))
    for method in normalise.METHODS:
        na, nb = normalise.normalise(a, m, method), normalise.normalise(b, m, method)
        inside = sitk.GetArrayViewFromImage(m) > 0
        assert np.all(sitk.GetArrayViewFromImage(na)[~inside] == 0)
        if method == "zscore":
            assert sitk.GetArrayViewFromImage(na)[inside].std() == pytest.approx(1.0, abs=1e-4)
        signed, absolute = subtract.difference_maps(na, nb, m)
        expected = (sitk.GetArrayViewFromImage(nb) - sitk.GetArrayViewFromImage(na)) * inside
        assert np.allclose(sitk.GetArrayViewFromImage(signed), expected, atol=1e-6)
        assert np.allclose(sitk.GetArrayViewFromImage(absolute), np.abs(expected), atol=1e-6)


def _two_sessions(head, spec_a: SessionSpec, spec_b: SessionSpec):
    """Sessions a and b of `head` (seeds 4 and 5), their head masks and the true b → a transform."""
    a, _ = make_session(*head, spec_a, SPACING, seed=4)
    b, _ = make_session(*head, spec_b, SPACING, seed=5)
    truth = validation.pair_transform(euler(spec_a, head[1]), euler(spec_b, head[1]))
    return a, b, mask.head_mask(a), mask.head_mask(b), truth


def test_registration_recovers_a_30_degree_turn_between_sessions(head) -> None:
    spec_a = SessionSpec("20200101", (14.0, -12.0, 15.0), (12.0, -10.0, 8.0))
    spec_b = SessionSpec("20200601", (-13.0, 14.0, -15.0), (-9.0, 13.0, -12.0))
    a, b, ma, mb, truth = _two_sessions(head, spec_a, spec_b)
    assert validation.transform_error(sitk.AffineTransform(3), truth, np.asarray(head[1])).rotation_deg > 30
    result = register.register_checked(
        b, a, mb, ma, seed=0, settings=register.RegistrationSettings(check=CheckSettings(min_similarity=0.8))
    )
    error = validation.transform_error(result.transform, truth, np.asarray(head[1]))
    assert error.rotation_deg < 0.5 and error.translation_mm < 0.5
    assert result.failure == "" and result.similarity > 0.8 > result.similarity_before


@pytest.mark.parametrize("turn_deg, shift_mm", [(4.0, 0.0), (0.0, 4.0)])
def test_check_passes_the_true_transform_and_estimates_a_known_residual(head, turn_deg: float, shift_mm: float) -> None:
    spec_a = SessionSpec("20200101", (6.0, -4.0, 5.0), (4.0, -3.0, 2.0))
    spec_b = SessionSpec("20200601", (-5.0, 3.0, -4.0), (-3.0, 2.0, -4.0))
    a, b, ma, mb, truth = _two_sessions(head, spec_a, spec_b)
    exact = check.check(b, a, truth, mb, ma)
    assert exact.failure == "" and exact.rotation_deg < 1.0 and exact.translation_mm < 1.0
    offset = sitk.Euler3DTransform(list(head[1]), 0.0, float(np.radians(turn_deg)), 0.0, [shift_mm, 0.0, 0.0])
    wrong = check.check(b, a, check.perturbed(truth, offset), mb, ma)
    error = validation.transform_error(check.perturbed(truth, offset), truth, np.asarray(head[1]))
    assert error.rotation_deg == pytest.approx(turn_deg, abs=0.01)
    assert ("rotation" if turn_deg else "shift") in wrong.failure
    estimate = wrong.rotation_deg if turn_deg else wrong.translation_mm
    assert 0.5 * (turn_deg or shift_mm) < estimate < 4.0 * (turn_deg or shift_mm)


def test_a_registration_that_cannot_succeed_is_retried_then_reported(head) -> None:
    a, _ = make_session(*head, SessionSpec("20200101"), SPACING, seed=4)
    rng = np.random.default_rng(0)
    noise = sitk.GetImageFromArray(rng.uniform(0, 300, sitk.GetArrayViewFromImage(a).shape).astype(np.float32))
    noise.CopyInformation(a)
    settings = register.RegistrationSettings(check=CheckSettings(min_similarity=0.8), max_attempts=2, iterations=20)
    result = register.register_checked(a, noise, mask.head_mask(a), None, seed=0, settings=settings)
    assert result.attempts == 2 and "similarity" in result.failure
    assert qc.flags(
        {
            "registration_failure": result.failure,
            "dice": 1.0,
            "correlation_after": 0.9,
            "correlation_before": 0.5,
            "scale_min": 1.0,
            "scale_max": 1.0,
            "rotation_deg": 0.0,
            "cropped_fraction": 0.0,
        }
    ) == ["registration_failed"]


def test_quantile_matching_cancels_a_change_of_scanner() -> None:
    rng = np.random.default_rng(1)
    tissue = rng.gamma(4.0, 25.0, (12, 14, 16)).astype(np.float32)
    a = sitk.GetImageFromArray(tissue)
    b = sitk.GetImageFromArray((2.7 * tissue**1.3).astype(np.float32))  # another contrast curve and scale
    m = sitk.GetImageFromArray(np.pad(np.ones((8, 10, 12), np.uint8), 2))
    inside = sitk.GetArrayViewFromImage(m) > 0
    residual = {}
    for method in ("zscore", "quantile"):
        na, nb = normalise.normalise_pair(a, b, m, method)  # type: ignore[arg-type]
        residual[method] = float(np.abs(sitk.GetArrayViewFromImage(nb) - sitk.GetArrayViewFromImage(na))[inside].mean())
        assert np.all(sitk.GetArrayViewFromImage(na)[~inside] == 0)
    assert residual["quantile"] < 0.02 < residual["zscore"]


def test_resolution_on_grid_follows_thick_slices_through_a_rotation() -> None:
    image = sitk.Image([20, 20, 8], sitk.sitkFloat32)
    image.SetSpacing((1.0, 1.0, 5.0))
    grid = sitk.Image([30, 30, 30], sitk.sitkFloat32)
    grid.SetSpacing((1.0, 1.0, 1.0))
    assert np.allclose(resample.resolution_on_grid(image, grid), [1.0, 1.0, 5.0])
    quarter_turn = sitk.Euler3DTransform((0, 0, 0), float(np.pi / 2), 0.0, 0.0)  # about x: y and z swap
    assert np.allclose(resample.resolution_on_grid(image, grid, quarter_turn), [1.0, 5.0, 1.0], atol=1e-6)


def test_support_keeps_only_what_the_field_of_view_saw() -> None:
    image = sitk.Image([10, 10, 10], sitk.sitkFloat32)
    image.SetSpacing((2.0, 2.0, 2.0))
    grid = sitk.Image([30, 30, 30], sitk.sitkFloat32)
    grid.SetOrigin((-5.0, -5.0, -5.0))
    seen = sitk.GetArrayFromImage(resample.support(image, grid))
    assert seen.sum() == 20**3  # voxel centres from -1 to 19 mm: 20 grid points per axis
    inner = sitk.GetArrayFromImage(resample.support(image, grid, margin_mm=4.0))
    assert inner.sum() == 12**3 and np.all(inner <= seen)
