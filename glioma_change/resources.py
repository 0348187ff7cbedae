"""Locate resources shipped inside the wheel (`nlp/` lexicons and configs, `data/` label files)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def nlp_dir() -> Path:
    """Directory holding the editable language resources (`nlp/` in the source tree)."""
    return Path(str(resources.files("glioma_change.nlp_resources")))


def bundled_data(name: str) -> Path:
    """Path of a small file shipped under `data/` (e.g. the BraTS-2015 pair labels)."""
    path = Path(str(resources.files("glioma_change.bundled_data"))) / name
    if not path.is_file():
        raise FileNotFoundError(f"bundled data file not found: {name}")
    return path
