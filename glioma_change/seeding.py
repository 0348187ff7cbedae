"""One `--seed` drives every random source; sub-seeds are derived deterministically from it."""

from __future__ import annotations

import hashlib
import os
import random

import numpy as np


def derive_seed(seed: int, *keys: object) -> int:
    """A stable 31-bit seed derived from `seed` and any keys (independent of PYTHONHASHSEED)."""
    text = "/".join([str(seed), *map(str, keys)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") & 0x7FFFFFFF


def rng(seed: int, *keys: object) -> np.random.Generator:
    """A NumPy generator for one named purpose under the global seed."""
    return np.random.default_rng(derive_seed(seed, *keys))


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and (when imported) torch; make torch deterministic on CPU."""
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    random.seed(seed)
    np.random.seed(derive_seed(seed, "numpy-global"))
    import sys

    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
