"""Studies that know their own settings: the resolved configuration a study was created with.

A study stores, as Optuna user attributes, the settings its trial values depend on (`settings`, one
value per dotted key; data files by content hash, so a moved file is the same file) and their hash
(`settings_hash`). Joining or resuming a study with other settings would mix trials trained under both,
so `check_settings` refuses with one line naming what changed. Settings that do not change a trial's
value are left out: the budget's `n_trials`/`timeout_s`, `folds.repeats` (the refit only), the device,
compile mode, threads and the worker's heartbeat and retry settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import optuna

from glioma_change.errors import ConfigError
from glioma_change.study_config import StudyConfig

log = logging.getLogger(__name__)

IGNORED = frozenset(
    {
        "budget.n_trials",
        "budget.timeout_s",
        "folds.repeats",
        "device",
        "compile",
        "num_threads",
        "study.name",
        "study.heartbeat_interval_s",
        "study.grace_period_s",
        "study.max_retry",
    }
)
DATA_FILES = ("data.manifest", "data.human_labels", "data.weak_labels")
MAX_LISTED = 4


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def _file_hash(path: str | None) -> str | None:
    if path is None:
        return None
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def study_settings(config: StudyConfig) -> dict[str, Any]:
    """The settings a study's trial values depend on, as `dotted.key -> JSON value`."""
    flat = {k: v for k, v in _flatten(config.model_dump(mode="json")).items() if k not in IGNORED}
    for key in DATA_FILES:
        flat[key] = _file_hash(flat.get(key))
    return flat


def settings_hash(settings: dict[str, Any]) -> str:
    """A short stable hash of `study_settings`."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def record_settings(study: optuna.Study, config: StudyConfig) -> None:
    """Store the settings and their hash on a study."""
    settings = study_settings(config)
    study.set_user_attr("settings", settings)
    study.set_user_attr("settings_hash", settings_hash(settings))


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def settings_changes(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """`key old -> new` for every key whose value differs (a key missing on one side reads `unset`)."""
    changes = []
    for key in sorted(set(stored) | set(current)):
        old, new = stored.get(key, "unset"), current.get(key, "unset")
        if old != new:
            changes.append(f"{key} {_show(old)} -> {_show(new)}")
    return changes


def check_settings(study: optuna.Study, config: StudyConfig) -> None:
    """Refuse (ConfigError, one line) to go on with a study created under other settings.

    A study created before settings were stored adopts the current ones.
    """
    current = study_settings(config)
    stored = study.user_attrs.get("settings")
    if stored is None:
        log.info("study %r stores no settings yet; recording the current ones", config.study.name)
        record_settings(study, config)
        return
    if study.user_attrs.get("settings_hash") == settings_hash(current):
        return
    changes = settings_changes(stored, current)
    if not changes:
        return
    more = f" and {len(changes) - MAX_LISTED} more" if len(changes) > MAX_LISTED else ""
    raise ConfigError(
        f"study {config.study.name!r} was created with other settings ({'; '.join(changes[:MAX_LISTED])}{more}): "
        "rerun with the original settings, or start another study with --set study.name=<new name>"
    )
