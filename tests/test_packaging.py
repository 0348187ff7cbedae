"""A non-editable install ships the `nlp/` resources and bundled data, and runs from another directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_resources_and_runs_outside_the_tree(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(wheel_dir),
        ],
        check=True,
        cwd=tmp_path,
        timeout=300,
    )
    (wheel,) = wheel_dir.glob("glioma_change-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    nlp_files = [n for n in names if n.startswith("glioma_change/nlp_resources/") and not n.endswith(".py")]
    assert nlp_files, "nlp/ resources missing from the wheel"
    assert "glioma_change/bundled_data/brats2015_longitudinal_t2_labels.csv" in names

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = (
        "import glioma_change, glioma_change.resources as r;"
        "print(glioma_change.__file__);print(r.nlp_dir());"
        "print(r.bundled_data('brats2015_longitudinal_t2_labels.csv'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=elsewhere, env=env, check=True
    )
    lines = out.stdout.split()
    assert all(line.startswith(str(target)) for line in lines), out.stdout
    assert any(Path(lines[1]).rglob("*.json")) or any(Path(lines[1]).rglob("*.jsonl"))

    help_out = subprocess.run(
        [sys.executable, "-m", "glioma_change", "--help"], capture_output=True, text=True, cwd=elsewhere, env=env
    )
    assert help_out.returncode == 0, help_out.stderr
    assert "Usage" in help_out.stdout
