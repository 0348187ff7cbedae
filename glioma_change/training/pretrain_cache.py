"""On-disk cache of pre-trained weights, shared by trials and worker processes.

One file per key (fold, network spec, source task, threshold, seed, the pre-training settings and the
rows pre-trained on), written
atomically; a per-key lock file (`fcntl.flock`) makes a second process wait for the first to finish
pre-training and then reuse its weights instead of training the same model twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from glioma_change.io import atomic_path, file_lock
from glioma_change.run_layout import fold_name

log = logging.getLogger(__name__)

StateDict = dict[str, torch.Tensor]


def cache_key(fields: dict[str, Any]) -> str:
    """A short stable hash of the JSON-serialised key fields."""
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class PretrainCache:
    """Pre-trained state dicts under `root/fold-<k>/<key>.pt`."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, fold: int, fields: dict[str, Any]) -> Path:
        return self.root / fold_name(fold) / f"{cache_key({'fold': fold, **fields})}.pt"

    def get_or_create(self, fold: int, fields: dict[str, Any], train: Callable[[], StateDict]) -> StateDict:
        """Load the cached weights for this key, or run `train()` once (across processes) and store them."""
        path = self.path(fold, fields)
        with file_lock(path.with_suffix(".lock")):
            if path.is_file():
                log.debug("pre-trained weights reused: %s", path)
                return torch.load(path, map_location="cpu", weights_only=True)["state"]
            state = {k: v.detach().cpu().clone() for k, v in train().items()}
            with atomic_path(path) as tmp:
                torch.save({"state": state, "key": {"fold": fold, **fields}}, tmp)
            return state
