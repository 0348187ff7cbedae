"""Ctrl-C during `tune`: one line, exit 130, and the rerun runs the interrupted trial again."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from glioma_change.cli.tune import INTERRUPTED
from glioma_change.testing.study import cli, cli_popen, load_run_study, make_fake_study, queued_search


def _trials(run: Path) -> list[optuna.trial.FrozenTrial]:
    return load_run_study(run).get_trials()


def test_ctrl_c_ends_with_one_line_and_the_rerun_completes_the_interrupted_combination(tmp_path: Path) -> None:
    study = make_fake_study(
        tmp_path,
        budget={"epochs": 40, "patience": 40, "pretrain_epochs": 1, "n_trials": 2},  # trials of seconds
        search=queued_search(),
    )
    run = tmp_path / "run"
    args = ("tune", str(study), "--out", str(run))
    proc = cli_popen(*args)
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:  # wait until the queued `mixed` trial is training
            time.sleep(0.2)
            try:
                trials = _trials(run) if (run / "study.db").exists() else []
            except Exception:
                continue
            running = [t for t in trials if t.state == TrialState.RUNNING and t.params.get("strategy") == "mixed"]
            if running and running[0].intermediate_values:
                break
            assert proc.poll() is None, proc.communicate()[1]
        else:
            pytest.fail("the mixed trial never ran")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == INTERRUPTED, stderr  # after Optuna's own progress lines, if any
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "failed" not in stderr, stderr
    interrupted = next(t for t in _trials(run) if t.number == running[0].number)
    assert interrupted.state == TrialState.FAIL
    queued = [t for t in _trials(run) if t.state == TrialState.WAITING]
    assert [t.system_attrs["fixed_params"] for t in queued] == [interrupted.params]

    result = cli(*args)
    assert result.returncode == 0, result.stderr
    after = _trials(run)
    assert not [t for t in after if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    rerun = [t for t in after if t.state == TrialState.COMPLETE and t.params == interrupted.params]
    assert len(rerun) == 1 and rerun[0].number > interrupted.number
    assert {t.params["strategy"] for t in after if t.state == TrialState.COMPLETE} == {"baseline", "mixed"}


def test_ctrl_c_inside_a_database_call_is_delivered_again_once_the_call_returned() -> None:
    from glioma_change.tuning.interrupt import _on_sigint

    namespace: dict[str, object] = {"__name__": "sqlalchemy.engine.fake", "sys": sys}
    exec("def call():\n    return sys._getframe()", namespace)
    in_database = namespace["call"]()  # type: ignore[operator]
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        assert _on_sigint(signal.SIGINT, in_database) is None  # not raised inside the call
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert received == [signal.SIGINT]  # delivered again a moment later
    finally:
        signal.signal(signal.SIGINT, previous)
    with pytest.raises(KeyboardInterrupt):
        _on_sigint(signal.SIGINT, sys._getframe())
