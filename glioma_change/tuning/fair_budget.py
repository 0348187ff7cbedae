"""A fair budget per network × strategy: queued trials and pruning within a combination only.

Every combination gets at least `study.min_trials_per_combination` (k) completed trials: before each
trial a worker queues one for every combination short of k completed and not already queued or running
(`top_up`), and a combination's trials are never pruned while it has fewer than k completed
(`CombinationPruner`). Pruning otherwise compares a trial only with completed trials of its own
combination (a median over learning curves of other strategies says little about this one). A
combination whose trials failed `MAX_FAILED` times is owed nothing more (its failure is not chance).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import product

import optuna
from optuna.trial import FrozenTrial, TrialState

from glioma_change.study_config import StudyConfig

log = logging.getLogger(__name__)

Combination = tuple[str, str]
QUEUED = "queued"
"""User attribute of a trial queued by the study itself (value: why); such a trial is never surplus."""
MAX_FAILED = 3


def combination_of(trial: FrozenTrial) -> Combination | None:
    """(network, strategy) of a trial: its parameters, or the fixed ones it was queued with."""
    params = {**trial.system_attrs.get("fixed_params", {}), **trial.params}
    network, strategy = params.get("network"), params.get("strategy")
    return (network, strategy) if network is not None and strategy is not None else None


def min_trials(config: StudyConfig) -> int:
    """k, or 0 when the study queues no trial per combination (`search.enqueue_each_combination: false`)."""
    return config.study.min_trials_per_combination if config.search.enqueue_each_combination else 0


def _combinations(config: StudyConfig) -> list[Combination]:
    return list(product(config.search.networks, config.search.strategies))


def _by_state(trials: Sequence[FrozenTrial], combo: Combination, states: tuple[TrialState, ...]) -> int:
    return sum(1 for t in trials if t.state in states and combination_of(t) == combo)


def owed(study: optuna.Study, config: StudyConfig) -> list[Combination]:
    """Combinations with fewer than k completed trials (and fewer than `MAX_FAILED` failed ones)."""
    k = min_trials(config)
    trials = study.get_trials(deepcopy=False)
    return [
        c
        for c in _combinations(config)
        if _by_state(trials, c, (TrialState.COMPLETE,)) < k and _by_state(trials, c, (TrialState.FAIL,)) < MAX_FAILED
    ]


def top_up(study: optuna.Study, config: StudyConfig) -> list[Combination]:
    """Queue a trial for each owed combination without enough queued or running ones; return the owed ones."""
    short = owed(study, config)
    trials = study.get_trials(deepcopy=False)
    for combo in short:
        pending = _by_state(trials, combo, (TrialState.COMPLETE, TrialState.WAITING, TrialState.RUNNING))
        for _ in range(min_trials(config) - pending):
            log.info("queueing a trial for %s/%s (fewer than %d completed)", *combo, min_trials(config))
            study.enqueue_trial({"network": combo[0], "strategy": combo[1]}, user_attrs={QUEUED: "fair budget"})
    return short


class _CombinationView:
    """A study seen through one combination: `get_trials` lists only that combination's trials."""

    def __init__(self, study: optuna.Study, combo: Combination | None) -> None:
        self._study, self._combo = study, combo

    def get_trials(self, deepcopy: bool = True, states: tuple[TrialState, ...] | None = None) -> list[FrozenTrial]:
        return [t for t in self._study.get_trials(deepcopy=deepcopy, states=states) if combination_of(t) == self._combo]

    def __getattr__(self, name: str) -> object:
        return getattr(self._study, name)


class CombinationPruner(optuna.pruners.BasePruner):
    """`inner` (e.g. a median pruner) applied among trials of the same network × strategy only; never
    prunes a trial of a combination with fewer than `min_complete` completed trials."""

    def __init__(self, inner: optuna.pruners.BasePruner, min_complete: int) -> None:
        self.inner, self.min_complete = inner, min_complete

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        view = _CombinationView(study, combination_of(trial))
        if len(view.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < self.min_complete:
            return False
        return self.inner.prune(view, trial)  # type: ignore[arg-type]  # duck-typed: get_trials, direction
