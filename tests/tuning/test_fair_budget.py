"""A fair budget per network x strategy: pruning within a combination, owed trials queued, each refit from its own trial."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from glioma_change.models import load_checkpoint
from glioma_change.study_config import StudyConfig
from glioma_change.testing.study import cli, load_run_study, make_fake_study, queued_search
from glioma_change.tuning.fair_budget import MAX_FAILED, QUEUED, CombinationPruner, owed, top_up

STRATEGIES = ["baseline", "mixed", "finetune"]
DISTRIBUTIONS = {"network": CategoricalDistribution(["vgg"]), "strategy": CategoricalDistribution(STRATEGIES)}


def _config(k: int) -> StudyConfig:
    return StudyConfig.model_validate(
        {
            "data": {"manifest": "m.csv", "human_labels": "h.csv", "weak_labels": "w.csv"},
            "search": {"networks": ["vgg"], "strategies": STRATEGIES},
            "study": {"min_trials_per_combination": k},
        }
    )


def _add(study: optuna.Study, strategy: str, curve: float, state: TrialState = TrialState.COMPLETE) -> None:
    study.add_trial(
        create_trial(
            params={"network": "vgg", "strategy": strategy},
            distributions=DISTRIBUTIONS,
            state=state,
            value=curve if state == TrialState.COMPLETE else None,
            intermediate_values={s: curve for s in range(3)},
        )
    )


def _prunes(pruner: optuna.pruners.BasePruner, strategy: str, score: float) -> bool:
    study = optuna.create_study(direction="maximize", pruner=pruner)
    for _ in range(3):
        _add(study, "mixed", 0.9)
        _add(study, "baseline", 0.5)
    study.enqueue_trial({"network": "vgg", "strategy": strategy})
    trial = study.ask()
    for name, dist in DISTRIBUTIONS.items():
        trial.suggest_categorical(name, dist.choices)
    trial.report(score, 2)
    return trial.should_prune()


def test_pruning_compares_a_trial_only_with_its_own_combination() -> None:
    median = optuna.pruners.MedianPruner(n_startup_trials=0, n_warmup_steps=0)
    # baseline at 0.6: below the median of all trials (0.7, pulled up by mixed), above baseline's own (0.5)
    assert _prunes(median, "baseline", 0.6)
    assert not _prunes(CombinationPruner(median, 1), "baseline", 0.6)
    assert _prunes(CombinationPruner(median, 1), "baseline", 0.4)
    # a combination short of k completed trials is never pruned, however poor
    assert _prunes(CombinationPruner(median, 3), "baseline", 0.1)
    assert not _prunes(CombinationPruner(median, 4), "baseline", 0.1)
    assert not _prunes(CombinationPruner(median, 1), "finetune", 0.0)


def test_owed_combinations_are_queued_until_they_have_k_completed_trials() -> None:
    config = _config(2)
    study = optuna.create_study(direction="maximize")
    _add(study, "mixed", 0.8)
    _add(study, "mixed", 0.8, TrialState.PRUNED)  # a pruned trial does not count
    for _ in range(MAX_FAILED):
        _add(study, "finetune", 0.5, TrialState.FAIL)  # failing again and again: owed nothing more
    assert owed(study, config) == [("vgg", "baseline"), ("vgg", "mixed")]
    assert top_up(study, config) == [("vgg", "baseline"), ("vgg", "mixed")]
    waiting = study.get_trials(states=(TrialState.WAITING,))
    queued = sorted(t.system_attrs["fixed_params"]["strategy"] for t in waiting)
    assert queued == ["baseline", "baseline", "mixed"] and all(QUEUED in t.user_attrs for t in waiting)
    top_up(study, config)  # already queued: nothing more
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 3


def test_with_pruning_every_combination_completes_and_is_refit_from_its_own_trial(tmp_path: Path) -> None:
    study_file = make_fake_study(
        tmp_path,
        budget={"epochs": 2, "patience": 2, "pretrain_epochs": 1, "n_trials": 1, "eval_batch_size": 8},
        search=queued_search(),
        study={
            "heartbeat_interval_s": 1,
            "grace_period_s": 2,
            "n_startup_trials": 0,
            "pruner_startup_trials": 0,
            "pruner_warmup_steps": 0,
            "min_trials_per_combination": 1,
        },
    )
    run = tmp_path / "run"
    result = cli("tune", str(study_file), "--out", str(run))  # a target of 1 trial, but 2 combinations owed one each
    assert result.returncode == 0, result.stderr
    trials = load_run_study(run).get_trials()
    complete = {t.params["strategy"]: t for t in trials if t.state == TrialState.COMPLETE}
    assert set(complete) == {"baseline", "mixed"}
    chosen = json.loads((run / "best_params.json").read_text())["combinations"]
    table = pd.read_csv(run / "strategy_table.csv").set_index("strategy")
    for strategy, trial in complete.items():
        assert chosen[f"vgg/{strategy}"]["trial"] == trial.number
        assert table.loc[strategy, "refit_source"] == f"trial {trial.number}"
        _, _, meta = load_checkpoint(run / "models" / "fold-0" / f"vgg-{strategy}.pt")
        assert meta["trial"] == trial.number and meta["params"]["lr"] == pytest.approx(trial.params["lr"])
