"""Checkpoints: weights, `ModelSpec` and metadata in one file, written atomically.

File layout (`torch.save` of a dict, loadable with `weights_only=True`):
`{"format": 1, "spec": spec as JSON dict, "state": state dict on CPU, "meta": dict}`; `meta` carries at
least `input_shape`, `input_spacing`, `channels`, `fold`, `strategy`, `seed`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import ValidationError

from glioma_change.errors import InputError
from glioma_change.io import atomic_path
from glioma_change.models.classifier import ChangeClassifier
from glioma_change.models.factory import build_model
from glioma_change.models.spec import ModelSpec

FORMAT = 1
REQUIRED_META = ("input_shape", "input_spacing", "channels", "fold", "strategy", "seed")


def _plain(value: Any) -> Any:
    """Metadata as plain Python values (NumPy scalars/arrays, paths converted) so `weights_only` loads it."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def save_checkpoint(
    path: str | os.PathLike[str], model: torch.nn.Module, spec: ModelSpec, meta: dict[str, Any]
) -> Path:
    """Write model weights, spec and `meta` to `path` atomically; ValueError if `meta` lacks a required key."""
    missing = [k for k in REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"checkpoint meta lacks {', '.join(missing)}")
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    payload = {"format": FORMAT, "spec": spec.model_dump(mode="json"), "state": state, "meta": _plain(dict(meta))}
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def load_checkpoint(
    path: str | os.PathLike[str], map_location: str | torch.device = "cpu"
) -> tuple[ChangeClassifier, ModelSpec, dict[str, Any]]:
    """Rebuild the model from a checkpoint (in eval mode, on `map_location`); `InputError` names the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("checkpoint not found", path)
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        raise InputError(f"not a readable checkpoint ({type(exc).__name__})", path) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InputError(f"not a glioma-change checkpoint (format {FORMAT} expected)", path)
    try:
        spec = ModelSpec.model_validate(payload["spec"])
    except ValidationError as exc:
        raise InputError(f"invalid model spec: {exc.errors()[0]['msg']}", path) from None
    model = build_model(spec)
    try:
        model.load_state_dict(payload["state"])
    except RuntimeError as exc:
        raise InputError(f"weights do not match the spec: {str(exc).splitlines()[0]}", path) from None
    return model.to(map_location).eval(), spec, payload["meta"]
