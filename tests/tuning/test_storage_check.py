"""Clear failures early: a bad storage URL fails in one line before anything loads; an unreachable server
is retried with one readable line per try and given up on after the configured wait."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glioma_change.errors import ConfigError
from glioma_change.tuning.storage_check import check_storage_url, wait_for_storage


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres ql://x", "not a storage URL"),
        ("nosuchdb://u:pw@host/db", "unknown database 'nosuchdb'"),
        ("mysql+nosuchdriver://u:pw@host/db", "unknown database"),
        ("sqlite:////no/such/folder/study.db", "folder /no/such/folder does not exist"),
    ],
)
def test_bad_urls_fail_in_one_line(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        check_storage_url(url)
    assert "\n" not in str(info.value) and ":pw@" not in str(info.value)


def test_good_urls_pass(tmp_path: Path) -> None:
    assert check_storage_url(f"sqlite:///{tmp_path}/study.db") is not None
    assert check_storage_url("grpc://localhost:13000") is None
    wait_for_storage(f"sqlite:///{tmp_path}/study.db", 0)  # nothing to wait for


def test_tune_rejects_a_bad_url_before_reading_anything(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "glioma_change", "tune", str(tmp_path / "absent.yaml"), "--storage", "postgres ql://x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "not a storage URL" in result.stderr


def test_unreachable_server_is_retried_in_one_line_each_then_given_up(caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://optuna:hunter2@127.0.0.1:{_closed_port()}/optuna"
    start = time.monotonic()
    with caplog.at_level(logging.WARNING), pytest.raises(ConfigError, match="unreachable after") as info:
        wait_for_storage(url, wait_s=2.5)
    elapsed = time.monotonic() - start
    assert 2.5 <= elapsed < 10.0  # bounded by the configured wait (connection refused returns at once)
    retries = [r.getMessage() for r in caplog.records if "unreachable (try" in r.getMessage()]
    assert len(retries) >= 2
    assert all("\n" not in line and "hunter2" not in line and "refused" in line.lower() for line in retries)
    assert "hunter2" not in str(info.value) and "\n" not in str(info.value)
