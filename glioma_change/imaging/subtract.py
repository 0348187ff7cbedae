"""Difference maps: signed (later − earlier) and absolute, zero outside the brain."""

from __future__ import annotations

import SimpleITK as sitk


def difference_maps(a: sitk.Image, b: sitk.Image, mask: sitk.Image) -> tuple[sitk.Image, sitk.Image]:
    """Return (B − A, |B − A|) as float32 on B's grid, zero where `mask` is 0."""
    signed = sitk.Mask(sitk.Cast(b, sitk.sitkFloat32) - sitk.Cast(a, sitk.sitkFloat32), mask)
    return signed, sitk.Abs(signed)
