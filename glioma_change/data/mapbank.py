"""`MapBank`: every difference map of a study loaded once, as float16 tensors of one input shape.

Each NIfTI file is read with nibabel, reoriented to the closest canonical (RAS+) orientation and
transposed to the project's (D, H, W) = (z, y, x) array order (as SimpleITK arrays and the diffmap
grid), so D runs inferior→superior, H posterior→anterior and W left→right whatever the writer's
orientation. Maps whose shape differs from `input_shape` are resized: shrunk by
averaging each output voxel's footprint (area interpolation, so thin registration residuals do not alias),
grown by trilinear interpolation (the paper resized to the median shape with MONAI); the difference-map stage writes every map on one grid (same
spacing and shape), so resizing scales all maps alike, and with `input_shape` equal to that grid no
resampling happens. `input_spacing` is
the median voxel size (D, H, W) after resizing, in mm, for checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import nibabel as nib
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from glioma_change.errors import InputError
from glioma_change.progress import progress

CHANNEL_COLUMNS = {"diff": "diff_path", "absdiff": "absdiff_path"}
SIGNED_CHANNELS = frozenset({"diff"})
FLOAT16_MAX = float(torch.finfo(torch.float16).max)


def canonical_array(
    img: nib.spatialimages.SpatialImage, source: object
) -> tuple[np.ndarray, tuple[float, float, float]]:
    """A map image as a float32 (D,H,W) = (z,y,x) array of the closest canonical (RAS+) orientation and its
    voxel size (D,H,W) in mm; `InputError` naming `source` for non-3D, non-finite or float16-overflowing data."""
    try:
        img = nib.as_closest_canonical(img)
        data = np.asarray(img.get_fdata(dtype=np.float32))
    except Exception as exc:
        raise InputError(f"cannot read map ({type(exc).__name__}: {exc})", source) from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise InputError(f"map must be 3D, has shape {data.shape}", source)
    if not np.isfinite(data).all():
        raise InputError("map contains NaN or infinite values", source)
    if np.abs(data).max(initial=0.0) > FLOAT16_MAX:
        raise InputError("map values exceed the float16 range (is it normalised?)", source)
    zx, zy, zz = (float(z) for z in img.header.get_zooms()[:3])
    zooms = (zz, zy, zx)
    return np.ascontiguousarray(data.transpose(2, 1, 0)), zooms  # (x, y, z) → (z, y, x)


def fit_to_shape(x: torch.Tensor, input_shape: Sequence[int]) -> torch.Tensor:
    """A (D,H,W) map resized to `input_shape`: shrunk by averaging each output voxel's footprint (no aliasing of
    thin registration residuals), grown trilinearly; returned as is when the shape already matches."""
    shape = tuple(int(s) for s in input_shape)
    if tuple(x.shape) == shape:
        return x
    shrink = all(t <= s for t, s in zip(shape, x.shape, strict=True))
    resized = (
        F.interpolate(x[None, None], size=shape, mode="area")
        if shrink
        else F.interpolate(x[None, None], size=shape, mode="trilinear", align_corners=False)
    )
    return resized[0, 0]


def _load_map(path: str, input_shape: Sequence[int]) -> tuple[torch.Tensor, tuple[float, ...]]:
    """One map as a float32 (D,H,W) = (z,y,x) tensor of `input_shape` and its voxel size after resizing."""
    try:
        img = cast(nib.spatialimages.SpatialImage, nib.load(path))  # NIfTI and the like: spatial images
    except Exception as exc:
        raise InputError(f"cannot read map ({type(exc).__name__}: {exc})", path) from None
    data, zooms = canonical_array(img, path)
    spacing = tuple(z * s / t for z, s, t in zip(zooms, data.shape, input_shape, strict=True))
    return fit_to_shape(torch.from_numpy(data), input_shape), spacing


class MapBank:
    """Maps of the pairs in `df` (columns `pair_id` and the path column of each channel), preloaded.

    `stack(pair_ids)` returns a float16 `(B, C, D, H, W)` tensor on the bank's device; channels follow
    `channels` (`"diff"` → `diff_path`, `"absdiff"` → `absdiff_path`). A file that cannot be read raises
    `InputError` naming it.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        input_shape: Sequence[int],
        channels: Sequence[str] = ("diff",),
        device: str | torch.device = "cpu",
    ) -> None:
        unknown = [c for c in channels if c not in CHANNEL_COLUMNS]
        if unknown:
            raise ValueError(f"unknown channel {unknown[0]!r} (known: {', '.join(CHANNEL_COLUMNS)})")
        absent = [CHANNEL_COLUMNS[c] for c in channels if CHANNEL_COLUMNS[c] not in df.columns]
        absent = ["pair_id"] * ("pair_id" not in df.columns) + absent
        if absent:
            raise InputError(f"the map table lacks column(s) {', '.join(absent)} (channels {', '.join(channels)})")
        self.input_shape = tuple(int(s) for s in input_shape)
        self.channels = tuple(channels)
        self.signed_channels = tuple(i for i, c in enumerate(self.channels) if c in SIGNED_CHANNELS)
        rows = df.drop_duplicates("pair_id")
        self.index = {pid: i for i, pid in enumerate(rows["pair_id"])}
        self.data = torch.empty((len(rows), len(self.channels), *self.input_shape), dtype=torch.float16)
        spacings = []
        items = zip(*(rows[CHANNEL_COLUMNS[c]] for c in self.channels), strict=True)
        for i, paths in enumerate(progress(items, desc="loading maps", total=len(rows), unit="map")):
            for c, path in enumerate(paths):
                if not isinstance(path, str) or not path:
                    raise InputError(f"no {self.channels[c]} map for pair {rows['pair_id'].iloc[i]}")
                x, spacing = _load_map(path, self.input_shape)
                self.data[i, c] = x.to(torch.float16)
                spacings.append(spacing)
        self.data = self.data.to(device)
        self.input_spacing = (
            tuple(float(s) for s in np.median(np.asarray(spacings), axis=0)) if spacings else (1.0, 1.0, 1.0)
        )

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, pair_id: object) -> bool:
        return pair_id in self.index

    def rows(self, pair_ids: Sequence[str]) -> torch.Tensor:
        """Row indices of `pair_ids` in `data`, in order, on the bank's device (KeyError if unknown)."""
        try:
            idx = [self.index[p] for p in pair_ids]
        except KeyError as exc:
            raise KeyError(f"pair {exc.args[0]!r} is not in the map bank") from None
        return torch.tensor(idx, dtype=torch.long, device=self.data.device)

    def stack(self, pair_ids: Sequence[str]) -> torch.Tensor:
        """Maps of `pair_ids`, in order, as one float16 `(B, C, D, H, W)` tensor (a copy; KeyError if unknown)."""
        return self.data[self.rows(pair_ids)]
