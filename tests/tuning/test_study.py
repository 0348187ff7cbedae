"""Optuna studies end to end on tiny fake maps: outputs, `train`, crash resume and two workers on one storage."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.trial import TrialState

from glioma_change.formats import PREDICTION_COLUMNS
from glioma_change.models import load_checkpoint
from glioma_change.testing.study import cli, cli_popen, load_run_study, make_fake_study


def _states(run: Path) -> list[TrialState]:
    return [t.state for t in load_run_study(run).get_trials(deepcopy=False)]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tuned")
    study = make_fake_study(root)
    result = cli("tune", str(study), "--out", str(root / "run"), "--n-trials", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    return root / "run"


def test_tune_writes_the_run_directory(tuned: Path) -> None:
    for name in (
        "config.yaml",
        "run_info.json",
        "study.db",
        "trials.csv",
        "best_params.json",
        "predictions.csv",
        "strategy_table.csv",
    ):
        assert (tuned / name).is_file(), name
    assert json.loads((tuned / "run_info.json").read_text())["seed"] == 5
    pred = pd.read_csv(tuned / "predictions.csv", dtype={"patient_id": str})
    assert list(pred.columns) == PREDICTION_COLUMNS
    assert set(pred["model"]) == {"vgg/baseline", "vgg/finetune", "best"}
    assert pred["prob"].between(0, 1).all() and set(pred["split"]) == {"val", "test"}
    # test pairs: every human-labelled pair exactly once per model; no patient is val and test in one fold
    for model, group in pred.groupby("model"):
        test = group[group["split"] == "test"]
        assert test["pair_id"].is_unique, model
        for _, fold in group.groupby("fold"):
            assert not set(fold[fold["split"] == "val"]["patient_id"]) & set(
                fold[fold["split"] == "test"]["patient_id"]
            )
    best = json.loads((tuned / "best_params.json").read_text())["best"]
    assert best["params"]["strategy"] in {"baseline", "finetune"}
    # only the best trial of each network/strategy keeps its fold models (reused by the refit)
    kept = sorted(int(p.name) for p in (tuned / "cache" / "trials").iterdir())
    chosen = json.loads((tuned / "best_params.json").read_text())["combinations"]
    assert kept == sorted(c["trial"] for c in chosen.values() if c["trial"] is not None)
    table = pd.read_csv(tuned / "strategy_table.csv")
    assert set(zip(table["network"], table["strategy"])) == {("vgg", "baseline"), ("vgg", "finetune")}
    for fold in (0, 1):
        model, spec, meta = load_checkpoint(tuned / "models" / f"fold-{fold}" / "best.pt")
        assert meta["fold"] == fold and meta["strategy"] == best["params"]["strategy"]
        assert list(meta["input_shape"]) == [16, 16, 16] and meta["channels"] == ["diff"]
        assert (tuned / "models" / f"fold-{fold}" / "vgg-baseline.pt").is_file()


def test_train_best_reproduces_the_refit(tuned: Path, tmp_path: Path) -> None:
    result = cli(
        "train",
        str(tuned.parent / "study.yaml"),
        "--params",
        "best",
        "--tuned",
        str(tuned),
        "--out",
        str(tmp_path / "train"),
        "--seed",
        "5",
    )
    assert result.returncode == 0, result.stderr
    mine = pd.read_csv(tmp_path / "train" / "predictions.csv")
    theirs = pd.read_csv(tuned / "predictions.csv")
    mine, theirs = (df[df["model"] == "best"].reset_index(drop=True) for df in (mine, theirs))
    pd.testing.assert_frame_equal(mine, theirs)


def test_killed_worker_resumes_keeps_finished_trials_and_fails_the_interrupted_one(tmp_path: Path) -> None:
    study = make_fake_study(
        tmp_path, budget={"epochs": 40, "patience": 40, "pretrain_epochs": 1, "n_trials": 3}
    )  # trials of seconds
    run = tmp_path / "run"
    args = ("tune", str(study), "--out", str(run))
    proc = cli_popen(*args)
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            time.sleep(0.2)
            if (run / "study.db").exists():
                try:
                    states = _states(run)
                except Exception:
                    continue
                if TrialState.COMPLETE in states and states[-1] == TrialState.RUNNING:
                    break
            assert proc.poll() is None, proc.communicate()[1]
        else:
            pytest.fail("no trial ran")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    before = load_run_study(run).get_trials(deepcopy=False)
    completed = {t.number: t.params for t in before if t.state == TrialState.COMPLETE}
    interrupted = before[-1].number
    assert before[-1].state == TrialState.RUNNING
    assert not (run / "predictions.csv").exists()

    result = cli(*args)
    assert result.returncode == 0, result.stderr
    after = load_run_study(run).get_trials(deepcopy=False)
    by_number = {t.number: t for t in after}
    assert by_number[interrupted].state == TrialState.FAIL
    for number, params in completed.items():
        assert by_number[number].state == TrialState.COMPLETE and by_number[number].params == params
    assert sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in after) == 3
    assert not [t for t in after if t.state == TrialState.RUNNING]
    assert (run / "predictions.csv").is_file()


def test_two_workers_share_one_study_and_finish_n_trials_in_total(tmp_path: Path) -> None:
    study = make_fake_study(tmp_path, n_patients=8, n_human=6)
    run = tmp_path / "run"
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = [
        cli_popen("tune", str(study), "--out", str(run / f"w{i}"), "--storage", storage, "--n-trials", "4")
        for i in range(2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    for worker, (_, err) in zip(workers, outputs):
        assert worker.returncode == 0, err
    trials = optuna.load_study(study_name="glioma-change", storage=storage).get_trials(deepcopy=False)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 4
    assert len({t.number for t in trials}) == len(trials)
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    # both workers took part: each wrote heartbeats/trials from its own process and its own run directory
    assert all((run / f"w{i}" / "predictions.csv").is_file() for i in range(2))


def _flaky_run_fold(fail_calls: set[int]):  # type: ignore[no-untyped-def]
    """`run_fold` raising on the given call numbers (0-based), the real one otherwise."""
    from glioma_change.tuning import objective

    real, calls = objective.run_fold, [0]

    def run_fold(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls[0] += 1
        if calls[0] - 1 in fail_calls:
            raise RuntimeError("out of memory (simulated)")
        return real(*args, **kwargs)

    return run_fold


def test_a_failing_trial_is_marked_failed_and_the_study_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glioma_change.study_config import load_study_config
    from glioma_change.tuning import objective
    from glioma_change.tuning.run import tune

    config = load_study_config(make_fake_study(tmp_path))
    monkeypatch.setattr(objective, "run_fold", _flaky_run_fold({0}))
    tune(config, tmp_path / "run", n_trials=2)
    states = _states(tmp_path / "run")
    assert states.count(TrialState.FAIL) == 1 and states.count(TrialState.COMPLETE) == 2


def test_trials_failing_in_a_row_stop_the_worker_with_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glioma_change.errors import GliomaChangeError
    from glioma_change.study_config import load_study_config
    from glioma_change.tuning import objective
    from glioma_change.tuning.run import tune

    config = load_study_config(make_fake_study(tmp_path))
    monkeypatch.setattr(objective, "run_fold", _flaky_run_fold(set(range(100))))
    with pytest.raises(GliomaChangeError, match="3 trials in a row failed.*out of memory"):
        tune(config, tmp_path / "run", n_trials=5)
    assert _states(tmp_path / "run").count(TrialState.FAIL) == 3


def test_one_command_with_two_workers_finishes_n_trials_in_two_processes_and_refits_once(tmp_path: Path) -> None:
    study = make_fake_study(
        tmp_path,
        n_patients=8,
        n_human=6,
        budget={"epochs": 60, "patience": 60, "pretrain_epochs": 1},
        study={"pruner_startup_trials": 100},
    )  # trials of seconds: the helper starts in time
    run = tmp_path / "run"
    result = cli("tune", str(study), "--out", str(run), "--n-trials", "8", "--workers", "2", timeout=600)
    assert result.returncode == 0, result.stderr
    trials = load_run_study(run).get_trials(deepcopy=False)
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 8 and len({t.number for t in trials}) == len(trials)
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    workers = {t.user_attrs["worker"] for t in finished}
    assert len(workers) == 2  # the command's own process and its helper both ran trials
    assert json.loads((run / "run_info.json").read_text())["workers"] == 2
    predictions = pd.read_csv(run / "predictions.csv")
    assert set(predictions["split"]) >= {"val", "test"}
