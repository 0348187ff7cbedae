"""Headless Chromium for tests that look at a page as a person would: a screenshot and the DOM after load.

`chromium_or_skip()` skips outside CI when Debian's `chromium` is absent; under CI (`CI` set) it fails
instead, since `.ci/run` installs it. Flags keep Chromium off the network and out of the GPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=10000",
]

# Appended to a copy of the page: once loaded, every <img> records whether it decoded, and its width;
# the body records the page's full height.
IMAGE_PROBE = (
    "<script>window.addEventListener('load',()=>{for(const i of document.images){"
    "i.setAttribute('data-decoded',i.complete&&i.naturalWidth>0?'yes':'no');"
    "i.setAttribute('data-natural-width',i.naturalWidth)}"
    "document.body.setAttribute('data-height',document.documentElement.scrollHeight);"
    "document.body.setAttribute('data-probe','done')})</script>"
)


def chromium_or_skip() -> str:
    """Path of the chromium binary; skip (fail under CI) when it is not installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, and CI must run the browser test (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return found


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180, check=True
    )


def screenshot(chromium: str, page: Path, png: Path, size: tuple[int, int], profile: Path) -> np.ndarray:
    """Render `page` in a `size` (width, height) window to `png`; the pixels as (H, W, 3) floats in [0, 1]."""
    _run(chromium, profile, f"--screenshot={png}", f"--window-size={size[0]},{size[1]}", page.as_uri())
    return mpimg.imread(png)[..., :3]


def dom_with_image_probe(chromium: str, page: Path, width: int, profile: Path) -> str:
    """The DOM of a copy of `page` after load in a window `width` wide: each <img> marked `data-decoded`
    and `data-natural-width`, the body `data-height` (the page's full height)."""
    probed = page.with_name(page.stem + ".probe.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", IMAGE_PROBE + "</body>"), encoding="utf-8")
    return _run(chromium, profile, "--dump-dom", f"--window-size={width},800", probed.as_uri()).stdout


def coloured_fraction(pixels: np.ndarray, spread: float = 0.15) -> float:
    """Share of pixels whose channels differ by more than `spread` (plot lines and colour maps, not text)."""
    return float(((pixels.max(axis=2) - pixels.min(axis=2)) > spread).mean())
