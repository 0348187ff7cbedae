"""Multi-worker studies on PostgreSQL: two workers share one study, and a server crash loses no finished trial.

Needs a throw-away server: `.ci/run` starts one with `scripts/pg_throwaway.sh` and exports
`GLIOMA_TEST_PG_URL` (and `GLIOMA_TEST_PG_DIR`, the cluster folder the crash test stops and restarts).
Each test works in a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import FrozenTrial, TrialState
from sqlalchemy.engine import make_url

from glioma_change.testing.study import ROOT, cli_popen, make_fake_study

PG_URL = os.environ.get("GLIOMA_TEST_PG_URL", "")
PG_DIR = os.environ.get("GLIOMA_TEST_PG_DIR", "")
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="GLIOMA_TEST_PG_URL is not set: no throw-away PostgreSQL server (`.ci/run` starts one)"
)


def _admin(url: str) -> str:
    """A libpq connection string for the server behind an SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def database() -> Iterator[str]:
    """The SQLAlchemy URL of a fresh database, dropped after the test."""
    import psycopg

    name = f"glioma_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_admin(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tune(study: Path, out: Path, url: str, n_trials: int) -> subprocess.Popen[str]:
    return cli_popen(
        "tune",
        str(study),
        "--out",
        str(out),
        "--storage",
        url,
        "--n-trials",
        str(n_trials),
        "--set",
        "study.name=scale",
    )


def _finish(*workers: subprocess.Popen[str]) -> list[str]:
    """Wait for every worker to succeed; their stderr."""
    errors = []
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        errors.append(err)
    return errors


def _trials(url: str) -> list[FrozenTrial]:
    storage = optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
    try:
        return optuna.load_study(study_name="scale", storage=storage).get_trials(deepcopy=False)
    finally:
        storage.remove_session()
        storage.engine.dispose()


def _assert_finished_once(trials: list[FrozenTrial], n_trials: int) -> None:
    assert sum(t.state in FINISHED for t in trials) == n_trials
    assert len({t.number for t in trials}) == len(trials)
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]


def _pg(command: str) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "pg_throwaway.sh"), command, PG_DIR],
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_two_workers_finish_n_trials_in_total_each_once(tmp_path: Path, database: str) -> None:
    study = make_fake_study(tmp_path, n_patients=8, n_human=6)
    _finish(*(_tune(study, tmp_path / f"w{i}", database, 4) for i in range(2)))
    trials = _trials(database)
    _assert_finished_once(trials, 4)
    assert not [t for t in trials if "failed_trial" in t.system_attrs], "no trial should have needed a retry"
    assert all((tmp_path / f"w{i}" / "predictions.csv").is_file() for i in range(2))


def _wait_for_running_after_complete(proc: subprocess.Popen[str], url: str) -> list[FrozenTrial]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            trials = _trials(url)
        except Exception:
            trials = []
        if any(t.state == TrialState.COMPLETE for t in trials) and trials[-1].state == TrialState.RUNNING:
            return trials
        time.sleep(0.3)
    pytest.fail("no trial was running after a complete one")


@pytest.mark.skipif(
    not (PG_URL and PG_DIR), reason="needs GLIOMA_TEST_PG_URL and GLIOMA_TEST_PG_DIR (the cluster to crash and restart)"
)
def test_server_crash_mid_study_keeps_finished_trials_and_reaches_n(tmp_path: Path, database: str) -> None:
    study = make_fake_study(tmp_path, budget={"epochs": 40, "patience": 40, "pretrain_epochs": 1, "n_trials": 4})
    first = _tune(study, tmp_path / "w1", database, 4)
    try:
        before = _wait_for_running_after_complete(first, database)
        _pg("crash")
        time.sleep(3)
    finally:
        _pg("restart")
    rerun = _tune(study, tmp_path / "w2", database, 4)  # the same command again, beside the surviving worker
    first_err, _ = _finish(first, rerun)

    assert "database connection lost" in first_err  # the first worker retried and went on
    after = {t.number: t for t in _trials(database)}
    for t in before:
        if t.state == TrialState.COMPLETE:
            assert after[t.number].state == TrialState.COMPLETE
            assert after[t.number].value == t.value and after[t.number].params == t.params
    interrupted = before[-1].number
    assert after[interrupted].state == TrialState.FAIL
    assert [t.system_attrs["failed_trial"] for t in after.values() if "failed_trial" in t.system_attrs] == [interrupted]
    _assert_finished_once(list(after.values()), 4)
