"""A T2-weighted head built once per process from nilearn's bundled MNI152 2009 template.

The skull-stripped template and its grey/white-matter maps (shipped inside the nilearn wheel, read
offline) give the brain; CSF is the rest of the brain mask. A skull (dark, with brighter marrow)
and a scalp (bright fat) are grown around it from the distance to the brain. Everything is held as
SimpleITK geometry (LPS) plus arrays in SimpleITK order (z, y, x).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

TEMPLATE_NAME = "mni_icbm152_{}_tal_nlin_sym_09a_converted.nii.gz"


def template_path(kind: str) -> Path:
    """Path of the bundled MNI152 2009 `t1`, `gm` or `wm` file inside the installed nilearn package."""
    spec = importlib.util.find_spec("nilearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nilearn is not installed; it provides the MNI152 template")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / TEMPLATE_NAME.format(kind)
    if not path.is_file():
        raise RuntimeError(f"MNI152 template file missing from the nilearn package: {path}")
    return path


@dataclass(frozen=True)
class Tissues:
    """Fractional tissue maps on the template grid, arrays (z, y, x) in [0, 1]."""

    reference: sitk.Image  # geometry of every map (1 mm, LPS)
    csf: np.ndarray
    gm: np.ndarray
    wm: np.ndarray
    skull: np.ndarray
    marrow: np.ndarray
    scalp: np.ndarray
    brain: np.ndarray  # bool brain mask

    @property
    def voxel_ml(self) -> float:
        return float(np.prod(self.reference.GetSpacing())) / 1000.0


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below lo, 1 above hi, linear between (partial volume at a shell border)."""
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


@lru_cache(maxsize=1)
def tissues() -> Tissues:
    """The tissue maps of the head (built once per process, about two seconds)."""
    t1 = sitk.ReadImage(str(template_path("t1")), sitk.sitkFloat32)
    gm = sitk.GetArrayFromImage(sitk.ReadImage(str(template_path("gm")), sitk.sitkFloat32)) / 255.0
    wm = sitk.GetArrayFromImage(sitk.ReadImage(str(template_path("wm")), sitk.sitkFloat32)) / 255.0
    brain = ndimage.binary_fill_holes(sitk.GetArrayFromImage(t1) > 0)
    gm, wm = gm * brain, wm * brain
    csf = np.clip(1.0 - gm - wm, 0.0, 1.0) * brain
    dist = ndimage.distance_transform_edt(~brain, sampling=t1.GetSpacing()[::-1]).astype(np.float32)
    zz, yy, xx = np.meshgrid(*(np.linspace(0, 2 * np.pi, n, dtype=np.float32) for n in dist.shape), indexing="ij")
    wobble = 1.0 + 0.2 * np.sin(2 * xx + 0.5) * np.cos(3 * yy) + 0.15 * np.sin(3 * zz + 1.0)
    rim, skull_out = 1.5, 1.5 + 6.5 * wobble
    scalp_out = skull_out + 5.0 + 1.5 * wobble
    outside = ~brain
    skull = (_ramp(dist, rim - 0.5, rim + 0.5) - _ramp(dist, skull_out - 0.5, skull_out + 0.5)) * outside
    marrow = skull * np.exp(-(((dist - (rim + skull_out) / 2) / (0.18 * (skull_out - rim))) ** 2))
    scalp = (_ramp(dist, skull_out - 0.5, skull_out + 0.5) - _ramp(dist, scalp_out - 0.7, scalp_out + 0.7)) * outside
    csf = csf + (1.0 - _ramp(dist, rim - 0.5, rim + 0.5)) * outside * (dist > 0)
    f32 = np.float32
    return Tissues(
        t1,
        csf.astype(f32),
        gm.astype(f32),
        wm.astype(f32),
        (skull - marrow).astype(f32),
        marrow.astype(f32),
        scalp.astype(f32),
        brain,
    )


@lru_cache(maxsize=4)
def t2_head(contrast: tuple[tuple[str, float], ...]) -> np.ndarray:
    """Noise-free T2 signal (z, y, x) of the head for one tissue contrast (`SiteProfile.tissue_t2` items)."""
    t = tissues()
    c = dict(contrast)
    return (
        c["csf"] * t.csf
        + c["gm"] * t.gm
        + c["wm"] * t.wm
        + c["skull"] * t.skull
        + c["marrow"] * t.marrow
        + c["scalp"] * t.scalp
    ).astype(np.float32)


@lru_cache(maxsize=1)
def motion_centre_lps() -> tuple[float, float, float]:
    """Centre of rotation of every simulated head motion: the brain's centroid (LPS mm, rounded)."""
    t1 = sitk.ReadImage(str(template_path("t1")), sitk.sitkUInt8)
    idx = np.argwhere(sitk.GetArrayFromImage(t1) > 0).mean(axis=0)[::-1]  # (x, y, z) index
    point = t1.TransformContinuousIndexToPhysicalPoint([float(v) for v in idx])
    return tuple(round(float(v), 2) for v in point)  # type: ignore[return-value]
