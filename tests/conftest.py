"""Shared pytest setup: headless plotting, quiet progress bars, one thread per test process."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")
# Tests use tiny tensors: one intra-op thread is faster than two on 2 shared cores, and deterministic.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
