"""Choosing what to refit: the best trial and the best trial of each network/strategy (`best_params.json`)."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import optuna
from optuna.trial import FrozenTrial, TrialState

from glioma_change.io import write_text_atomic
from glioma_change.run_layout import RunLayout
from glioma_change.study_config import StudyConfig
from glioma_change.training.params import TrainParams, params_from_dict
from glioma_change.tuning.search_space import params_of

log = logging.getLogger(__name__)


def objective(trial: FrozenTrial) -> float:
    """The objective value of a complete trial (Optuna leaves it None only on trials that are not complete)."""
    if trial.value is None:
        raise ValueError(f"trial {trial.number} has no value (state {trial.state.name})")
    return trial.value


@dataclass(frozen=True)
class ChosenConfig:
    """A configuration chosen for refitting: its trial (None when substituted), value, parameters, and
    why it was not a trial of its own (`reason`, e.g. no completed trial)."""

    trial: int | None
    value: float | None
    params: TrainParams
    reason: str | None = None

    @property
    def refit_source(self) -> str:
        """`trial <n>` or `defaults: <reason>`."""
        return f"trial {self.trial}" if self.trial is not None else f"defaults: {self.reason or 'not tuned'}"

    def to_json(self) -> dict[str, object]:
        return {
            "trial": self.trial,
            "value": self.value,
            "refit_source": self.refit_source,
            "params": self.params.model_dump(mode="json"),
        }


def best_choices(study: optuna.Study, config: StudyConfig) -> tuple[ChosenConfig, dict[str, ChosenConfig]]:
    """The best trial and, per `network/strategy`, the best trial of that combination.

    A combination without a complete trial takes the overall best parameters with its network and
    strategy substituted (and the network's first listed width when the network differs); its `trial`
    is then None, its `reason` counts its trials by state, and a warning is logged.
    """
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise RuntimeError("the study has no complete trial")
    top = max(complete, key=objective)
    best = ChosenConfig(top.number, top.value, params_of(top, config.search))
    combos: dict[str, ChosenConfig] = {}
    for network, strategy in product(config.search.networks, config.search.strategies):
        mine = [t for t in complete if t.params.get("network") == network and t.params.get("strategy") == strategy]
        if mine:
            t = max(mine, key=objective)
            combos[f"{network}/{strategy}"] = ChosenConfig(t.number, t.value, params_of(t, config.search))
        else:
            width = best.params.width if network == best.params.network else config.search.width[network][0]
            values = {**best.params.model_dump(), "network": network, "strategy": strategy, "width": width}
            reason = _no_trial_reason(study, network, strategy, top.number)
            log.warning("refit of %s/%s uses defaults: %s", network, strategy, reason)
            combos[f"{network}/{strategy}"] = ChosenConfig(None, None, params_from_dict(values), reason)
    return best, combos


def _no_trial_reason(study: optuna.Study, network: str, strategy: str, best_trial: int) -> str:
    """Why a combination has no complete trial (its trials by state) and what is refitted instead."""
    states = Counter(
        t.state.name.lower()
        for t in study.get_trials(deepcopy=False)
        if t.params.get("network") == network and t.params.get("strategy") == strategy
    )
    tried = ", ".join(f"{n} {s}" for s, n in sorted(states.items())) or "none tried"
    return f"no completed trial ({tried}); trial {best_trial}'s parameters with network/strategy substituted"


def write_best_params(best: ChosenConfig, combos: dict[str, ChosenConfig], run_dir: Path, objective: str) -> None:
    """`RUN/best_params.json`: the objective, `best`, and one entry per `network/strategy`."""
    out = {"objective": objective, "best": best.to_json(), "combinations": {k: c.to_json() for k, c in combos.items()}}
    write_text_atomic(json.dumps(out, indent=2), RunLayout(run_dir).best_params)
