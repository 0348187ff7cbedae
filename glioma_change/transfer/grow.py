"""Grow a pre-trained network wider, keeping what it computes (fine-tuning with increased capacity).

After Wang, Ramanan & Hebert (CVPR 2017, "Growing a brain"): new units are added beside the
pre-trained ones in every layer and all are fine-tuned together. The grown network is an ordinary
network of a wider `ModelSpec` (so it saves and loads as any checkpoint): the VGG gets
`round(ratio × n)` (at least one) new channels in every conv block and dense layer; the
ResNeXt gets `round(ratio × cardinality)` (at least one) new groups in every bottleneck (new parallel
paths, the ResNeXt way of widening), its stem unchanged.

Weights are embedded, not copied wholesale: each pre-trained tensor fills the leading slice of the
wider one (channels, groups and flattened features are laid out old-first in both networks), and every
connection from a new unit into a pre-trained unit starts at zero, so the grown network computes
exactly the pre-trained function (eval mode). New units are normalised and scaled like the old ones,
so they learn at their pace: each new filter / neuron is rescaled to the mean norm of the pre-trained
ones of its layer, and the BatchNorm scale and shift of new channels start at the layer's pre-trained
means. Gradients: at the first step only the zero-initialised new→old connections receive gradient
(every path from a new unit to the logit passes through one); after that step every new unit does.
"""

from __future__ import annotations

import torch
from torch import nn

from glioma_change.errors import ConfigError
from glioma_change.models import ChangeClassifier, ModelSpec, build_model
from glioma_change.models.spec import scaled


def _grow(n: int, ratio: float) -> int:
    return n + max(1, round(ratio * n))


def grown_spec(spec: ModelSpec, ratio: float) -> ModelSpec:
    """The wider spec: VGG channels and dense sizes, or ResNeXt cardinality, grown by `ratio` (> 0)."""
    if not ratio > 0.0:
        raise ValueError(f"growth ratio must be positive, got {ratio}")
    if spec.network == "vgg":
        return spec.model_copy(
            update={
                "width": 1.0,
                "channels": tuple(_grow(scaled(c, spec.width), ratio) for c in spec.channels),
                "dense": tuple(_grow(scaled(d, spec.width), ratio) for d in spec.dense),
            }
        )
    if spec.network == "resnext":
        return spec.model_copy(update={"cardinality": _grow(spec.cardinality, ratio)})
    raise ConfigError(f"network {spec.network!r} cannot be grown (vgg and resnext can)")


def growth_masks(pretrained: nn.Module, grown: nn.Module) -> dict[str, torch.Tensor]:
    """Per floating-point tensor of `grown`: True where the entry is new (not a pre-trained weight)."""
    old = pretrained.state_dict()
    masks = {}
    for name, new in grown.state_dict().items():
        if not new.is_floating_point():
            continue
        mask = torch.ones(new.shape, dtype=torch.bool)
        mask[tuple(slice(0, s) for s in old[name].shape)] = False
        masks[name] = mask
    return masks


def _rescale_new_rows(new: torch.Tensor, n_old: int) -> None:
    """Give each new output row (filter / neuron) the mean L2 norm of the pre-trained rows."""
    rows = new.flatten(1)
    target = rows[:n_old].norm(dim=1).mean()
    norms = rows[n_old:].norm(dim=1, keepdim=True).clamp_min(1e-12)
    rows[n_old:] *= target / norms


@torch.no_grad()
def _embed(old_state: dict[str, torch.Tensor], grown: nn.Module) -> None:
    """Write the pre-trained tensors into the leading slices of `grown`'s, new→old connections zeroed."""
    norms = {n for n, m in grown.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    for name, new in grown.state_dict().items():
        old = old_state[name]
        if old.dim() != new.dim() or any(o > n for o, n in zip(old.shape, new.shape, strict=True)):
            raise ValueError(f"{name}: pre-trained shape {tuple(old.shape)} does not fit {tuple(new.shape)}")
        if not new.is_floating_point() or old.shape == new.shape:
            new.copy_(old)
            continue
        n_old = old.shape[0]
        module, _, kind = name.rpartition(".")
        if module in norms and kind in ("weight", "bias"):
            new[n_old:] = old.mean()
        elif new.dim() >= 2 and new.shape[0] > n_old:
            _rescale_new_rows(new, n_old)
        if new.dim() >= 2:
            new[:n_old, old.shape[1] :] = 0.0
        new[tuple(slice(0, s) for s in old.shape)] = old


def grow_model(pretrained: ChangeClassifier, spec: ModelSpec, ratio: float, seed: int) -> ChangeClassifier:
    """A network of `grown_spec(spec, ratio)` that computes what `pretrained` (built from `spec`) computes.

    The new units' own weights are freshly initialised from `seed`; see the module docstring.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        grown = build_model(grown_spec(spec, ratio))
    device = next(pretrained.parameters()).device
    _embed({k: v.detach().cpu() for k, v in pretrained.state_dict().items()}, grown)
    return grown.to(device)
