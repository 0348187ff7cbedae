"""Shared pytest setup: headless plotting, quiet progress bars, one thread per test process."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")
