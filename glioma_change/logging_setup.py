"""Logging configuration for the CLI: `-v` for debug, `-q` for warnings only."""

from __future__ import annotations

import logging

from glioma_change import progress


def configure(verbose: int = 0, quiet: bool = False) -> None:
    """Configure the root logger and progress bars from the CLI's verbosity flags."""
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    progress.set_enabled(not quiet)
    for noisy in ("matplotlib", "PIL", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
