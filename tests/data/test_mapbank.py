"""MapBank: real NIfTI files loaded once, reoriented, resized, float16, channels in order, errors name files."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
import torch

from glioma_change.data import MapBank
from glioma_change.errors import InputError
from glioma_change.testing.data import SHAPE, write_map

ZYX = SHAPE[::-1]  # NIfTI arrays are (x, y, z); bank tensors are (D, H, W) = (z, y, x)


def _bank_frame(tmp_path: Path, n: int = 3) -> tuple[pd.DataFrame, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    rows, arrays = [], []
    for i in range(n):
        data = rng.normal(0, 1, SHAPE).astype(np.float32)
        arrays.append(data)
        d = write_map(tmp_path / f"m{i}_diff.nii.gz", data)
        a = write_map(tmp_path / f"m{i}_abs.nii.gz", np.abs(data))
        rows.append({"pair_id": f"pair{i}", "diff_path": str(d), "absdiff_path": str(a)})
    return pd.DataFrame(rows), arrays


def test_native_shape_is_loaded_exactly_as_float16(tmp_path: Path) -> None:
    df, arrays = _bank_frame(tmp_path)
    bank = MapBank(df, ZYX, ("diff", "absdiff"))
    x = bank.stack(["pair2", "pair0"])
    assert x.dtype == torch.float16 and x.shape == (2, 2, *ZYX)
    np.testing.assert_allclose(x[0, 0].float().numpy(), arrays[2].transpose(2, 1, 0), atol=2e-3)
    np.testing.assert_allclose(x[1, 1].float().numpy(), np.abs(arrays[0]).transpose(2, 1, 0), atol=2e-3)
    assert len(bank) == 3 and "pair1" in bank and "nope" not in bank
    assert bank.input_spacing == (3.0, 2.0, 2.0)


def test_resize_to_input_shape_keeps_content_and_reports_spacing(tmp_path: Path) -> None:
    data = np.zeros(SHAPE, dtype=np.float32)
    data[:5] = 1.0  # left half (x < 0 in RAS) bright
    path = write_map(tmp_path / "half.nii.gz", data)
    bank = MapBank(pd.DataFrame([{"pair_id": "p", "diff_path": str(path), "absdiff_path": None}]), (4, 6, 5))
    x = bank.stack(["p"])[0, 0].float()
    assert x.shape == (4, 6, 5)
    assert x[..., :2].mean() > 0.99 and x[..., 3:].mean() < 0.01
    assert bank.input_spacing == (6.0, 4.0, 4.0)


def test_orientation_is_canonicalised(tmp_path: Path) -> None:
    data = np.zeros(SHAPE, dtype=np.float32)
    data[0] = 1.0  # first voxel plane along axis 0
    flipped = np.diag([-2.0, 2.0, 3.0, 1.0])  # axis 0 runs towards the left (LAS): reversed in RAS
    path = tmp_path / "las.nii.gz"
    nib.save(nib.Nifti1Image(data, flipped), path)
    bank = MapBank(pd.DataFrame([{"pair_id": "p", "diff_path": str(path)}]), ZYX)
    x = bank.stack(["p"])[0, 0].float()
    assert x[..., -1].mean() == 1.0 and x[..., :-1].abs().max() == 0.0


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    df, _ = _bank_frame(tmp_path, n=1)
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(b"garbage")
    bad = pd.concat([df, pd.DataFrame([{"pair_id": "bad", "diff_path": str(broken), "absdiff_path": ""}])])
    with pytest.raises(InputError, match="broken.nii.gz"):
        MapBank(bad, ZYX)
    nan = np.zeros(SHAPE, dtype=np.float32)
    nan[1, 1, 1] = np.nan
    nan_path = write_map(tmp_path / "nan.nii.gz", nan)
    with pytest.raises(InputError, match="nan.nii.gz.*NaN"):
        MapBank(pd.DataFrame([{"pair_id": "n", "diff_path": str(nan_path)}]), ZYX)
    huge_path = write_map(tmp_path / "huge.nii.gz", np.full(SHAPE, 1e6, dtype=np.float32))
    with pytest.raises(InputError, match="huge.nii.gz.*float16"):
        MapBank(pd.DataFrame([{"pair_id": "h", "diff_path": str(huge_path)}]), ZYX)
    with pytest.raises(KeyError, match="unknown-pair"):
        MapBank(df, ZYX).stack(["unknown-pair"])


def test_shrinking_averages_instead_of_aliasing_thin_structures(tmp_path: Path) -> None:
    """A one-voxel checkerboard (like thin registration residuals at edges) averages out when maps are
    shrunk, and a smooth blob keeps its mean: what a coarse network input should see."""
    x, y, z = np.indices(SHAPE)
    checker = np.where((x + y + z) % 2 == 0, 1.0, -1.0).astype(np.float32)
    blob = np.zeros(SHAPE, dtype=np.float32)
    blob[2:8, 2:8, 1:5] = 1.0
    rows = [
        {"pair_id": name, "diff_path": str(write_map(tmp_path / f"{name}.nii.gz", data)), "absdiff_path": None}
        for name, data in (("checker", checker), ("blob", blob))
    ]
    shape = (3, 5, 4)  # shrink by 2.4–2.7, as 80×96×80 maps to a 32³ input
    bank = MapBank(pd.DataFrame(rows), shape)
    small = bank.stack(["checker", "blob"]).float()
    assert small[0].abs().max() < 0.05
    assert abs(float(small[1].mean()) - float(blob.mean())) < 0.02
