"""Read and write NIfTI volumes as SimpleITK images, with the checks a batch needs.

Every image is reoriented to one canonical orientation (LPS, SimpleITK's physical convention) so
later steps never depend on how a scanner stored its axes.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import cast

import nibabel as nib
import numpy as np
import SimpleITK as sitk

from glioma_change.errors import InputError
from glioma_change.io import atomic_path

CANONICAL_ORIENTATION = "LPS"


def _check_values(path: Path) -> None:
    """Decode the whole file with nibabel: a corrupt or truncated gzip and non-finite voxels are reported
    (SimpleITK's NIfTI reader silently turns NaN into 0)."""
    try:
        data = np.asanyarray(cast(nib.spatialimages.SpatialImage, nib.load(path)).dataobj)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"corrupt gzip or truncated file ({exc})", path) from None
    except Exception as exc:
        raise InputError(f"not a readable NIfTI file ({exc})", path) from None
    if np.issubdtype(data.dtype, np.floating) and not np.isfinite(data).all():
        raise InputError(f"{int((~np.isfinite(data)).sum())} voxel(s) are NaN or infinite", path)


def read_volume(path: str | os.PathLike[str], pixel_type: int = sitk.sitkFloat32) -> sitk.Image:
    """Read a 3D NIfTI volume, reoriented to LPS; raise `InputError` for missing, corrupt or 2D files."""
    path = Path(path)
    if not path.is_file():
        raise InputError("image file not found", path)
    _check_values(path)
    try:
        image = sitk.ReadImage(str(path), pixel_type)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unreadable"
        raise InputError(f"cannot read image ({first})", path) from None
    if image.GetDimension() != 3:
        raise InputError(f"expected a 3D volume, got {image.GetDimension()}D", path)
    if min(image.GetSize()) < 2:
        raise InputError(f"expected a 3D volume, got size {image.GetSize()} (a 2D slice)", path)
    return sitk.DICOMOrient(image, CANONICAL_ORIENTATION)


def read_t2w(path: str | os.PathLike[str]) -> sitk.Image:
    """Read a T2-weighted volume as float32 and check that its values are usable."""
    image = read_volume(path)
    values = sitk.GetArrayViewFromImage(image)
    if not np.any(values):
        raise InputError("volume is all zero (empty)", path)
    if float(values.max()) == float(values.min()):
        raise InputError("volume is constant (no contrast)", path)
    return image


def read_mask(path: str | os.PathLike[str], reference: sitk.Image) -> sitk.Image:
    """Read a binary mask (uint8, 0/1) and check it lies on the reference image's grid."""
    mask = read_volume(path, sitk.sitkUInt8)
    if mask.GetSize() != reference.GetSize() or not np.allclose(mask.GetSpacing(), reference.GetSpacing(), atol=1e-3):
        raise InputError(
            f"mask grid {mask.GetSize()} / {mask.GetSpacing()} does not match its image "
            f"{reference.GetSize()} / {reference.GetSpacing()}",
            path,
        )
    mask = sitk.Cast(mask > 0, sitk.sitkUInt8)
    mask.CopyInformation(reference)
    if not np.any(sitk.GetArrayViewFromImage(mask)):
        raise InputError("mask is empty", path)
    return mask


def write_image(image: sitk.Image, path: str | os.PathLike[str]) -> Path:
    """Write an image atomically (temporary name, then rename) and return the final path."""
    with atomic_path(path) as tmp:
        sitk.WriteImage(image, str(tmp), useCompression=True)
    return Path(path)


def write_transform(transform: sitk.Transform, path: str | os.PathLike[str]) -> Path:
    """Write a transform (`.tfm`, ITK text format) atomically."""
    with atomic_path(path) as tmp:
        sitk.WriteTransform(transform, str(tmp))
    return Path(path)
