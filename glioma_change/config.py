"""Typed configuration: one YAML file per study, validated by pydantic, with `key.sub=value` overrides.

Errors (missing file, unknown key, wrong type) raise `ConfigError` with a one-line message naming
the key or the file; the CLI turns it into exit status 2.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from glioma_change.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for every configuration section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides (value parsed as YAML) to a nested dict, in place."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        key, raw = item.split("=", 1)
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {key!r}: {part!r} is not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def override_keys(overrides: list[str]) -> set[str]:
    """The dotted keys that `key=value` overrides set."""
    return {item.split("=", 1)[0].strip() for item in overrides if "=" in item}


def _sibling_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the section holding `loc` (empty where the section is not a model)."""
    section: Any = model
    for part in loc[:-1]:
        field = (
            section.model_fields.get(str(part))
            if isinstance(section, type) and issubclass(section, BaseModel)
            else None
        )
        section = field.annotation if field is not None else None
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            return []
    return list(section.model_fields)


def validate(
    model: type[M], data: dict[str, Any], source: str = "configuration", overridden: Collection[str] = ()
) -> M:
    """Validate a dict against a model; the first problem becomes a one-line `ConfigError`.

    A key set by `--set` (in `overridden`) is blamed on `--set`, not on `source`; an unknown key names
    the closest known one.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"]) or "<root>"
        where = "--set" if key in overridden else source
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(err["loc"][-1]), _sibling_keys(model, tuple(err["loc"])), n=1)
            prefix = key.rpartition(".")[0]
            hint = f" (did you mean '{prefix + '.' if prefix else ''}{close[0]}'?)" if close else ""
            raise ConfigError(f"{where}: unknown key '{key}'{hint}") from None
        raise ConfigError(f"{where}: key '{key}': {err['msg']}") from None


def load_config(model: type[M], path: str | os.PathLike[str] | None, overrides: list[str] | None = None) -> M:
    """Load a YAML file (or start from defaults when `path` is None), apply overrides, validate."""
    data: dict[str, Any] = {}
    source = "configuration"
    if path is not None:
        p = Path(path)
        source = str(p)
        if not p.is_file():
            raise ConfigError(f"configuration file not found: {p}")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{p}: top level must be a mapping")
        data = loaded
    apply_overrides(data, overrides or [])
    return validate(model, data, source, override_keys(overrides or []))


def dump_config(config: BaseModel, path: str | os.PathLike[str]) -> Path:
    """Write the resolved configuration as YAML (atomic)."""
    from glioma_change.io import write_text_atomic

    return write_text_atomic(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), path)
