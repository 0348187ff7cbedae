"""Provenance stored in every run directory: package versions, seed, command line."""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

from glioma_change.io import write_text_atomic
from glioma_change.run_layout import RUN_INFO

PACKAGES = ["glioma-change", "torch", "monai", "spacy", "scikit-learn", "optuna", "SimpleITK", "nibabel", "numpy"]


def versions() -> dict[str, str]:
    """Installed versions of the packages that shape results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_run_info(run_dir: str | os.PathLike[str], seed: int, extra: dict[str, object] | None = None) -> Path:
    """Write `run_info.json` (versions, seed, argv, extra) into a run directory."""
    info = {"seed": seed, "argv": sys.argv, "versions": versions(), **(extra or {})}
    return write_text_atomic(json.dumps(info, indent=2, default=str), Path(run_dir) / RUN_INFO)
