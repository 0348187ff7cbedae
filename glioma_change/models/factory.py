"""`build_model(spec)`: the registry of networks by name."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable

from glioma_change.errors import ConfigError
from glioma_change.models.classifier import ChangeClassifier
from glioma_change.models.r3d import build_r3d_18
from glioma_change.models.resnext3d import build_resnext
from glioma_change.models.spec import ModelSpec
from glioma_change.models.vgg3d import build_vgg

Builder = Callable[[ModelSpec], ChangeClassifier]

NETWORKS: dict[str, Builder] = {"vgg": build_vgg, "resnext": build_resnext}


@functools.cache
def torchvision_available() -> bool:
    """Whether torchvision imports beside this torch (it is never imported at module level)."""
    if importlib.util.find_spec("torchvision") is None:
        return False
    try:
        importlib.import_module("torchvision.models.video")
    except Exception:  # a torchvision built for another torch fails in many ways
        return False
    return True


def available_networks() -> dict[str, Builder]:
    """Networks buildable here: `vgg`, `resnext`, and `r3d_18` when torchvision imports."""
    if "r3d_18" not in NETWORKS and torchvision_available():
        NETWORKS["r3d_18"] = build_r3d_18
    return NETWORKS


def build_model(spec: ModelSpec) -> ChangeClassifier:
    """A freshly initialised `ChangeClassifier` for `spec` (seed torch beforehand for reproducibility).

    torchvision is probed only when a network outside the core (`r3d_18`) is asked for.
    """
    builder = NETWORKS.get(spec.network) or available_networks().get(spec.network)
    if builder is None:
        raise ConfigError(f"network {spec.network!r} is not available here (torchvision does not import)")
    return builder(spec)
