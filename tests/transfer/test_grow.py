"""Network growth: same function before training, gradients into new units, ratio respected."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from glioma_change.errors import ConfigError
from glioma_change.models import ModelSpec, build_model, count_parameters
from glioma_change.testing.transfer import SIZE, small_spec, trained_like
from glioma_change.transfer import grow_model, grown_spec, growth_masks

NETWORKS = ["vgg", "resnext"]


@pytest.mark.parametrize("network", NETWORKS)
def test_grown_network_computes_the_pretrained_function(network: str) -> None:
    spec = small_spec(network)
    pre = trained_like(spec, seed=1)
    grown = grow_model(pre, spec, ratio=0.5, seed=2).eval()
    for shape in [(SIZE, SIZE, SIZE), (12, 16, 20)]:
        x = torch.randn(3, 1, *shape, generator=torch.Generator().manual_seed(3))
        with torch.no_grad():
            expected, got = pre(x), grown(x)
        assert expected.std() > 1e-3  # a non-trivial function
        torch.testing.assert_close(got, expected, rtol=0.0, atol=1e-5)
    assert count_parameters(grown) > count_parameters(pre)


@pytest.mark.parametrize("network", NETWORKS)
def test_new_units_receive_gradients(network: str) -> None:
    spec = small_spec(network)
    pre = trained_like(spec, seed=1)
    grown = grow_model(pre, spec, ratio=0.5, seed=2).train()
    masks = growth_masks(pre, grown)
    params = dict(grown.named_parameters())
    x = torch.randn(4, 1, SIZE, SIZE, SIZE, generator=torch.Generator().manual_seed(4))
    y = torch.tensor([0.0, 1.0, 0.0, 1.0])
    opt = torch.optim.SGD(grown.parameters(), lr=0.1)

    def grads() -> dict[str, tuple[float, float]]:
        """(new entries, pre-trained entries) gradient mass of every grown parameter."""
        opt.zero_grad()
        F.binary_cross_entropy_with_logits(grown(x), y).backward()
        return {
            n: (float(params[n].grad[m].abs().sum()), float(params[n].grad[~m].abs().sum()))
            for n, m in masks.items()
            if n in params and m.any()
        }

    first = grads()
    assert sum(new for new, _ in first.values()) > 0  # the zero-initialised new→old connections learn at once
    opt.step()
    second = grads()
    # after one step every new unit learns (unless its whole layer gets none, e.g. a dead SE unit)
    silent = [n for n, (new, old) in second.items() if new == 0 and old > 0]
    assert not silent, silent


def test_ratio_sets_the_new_capacity() -> None:
    spec = small_spec("vgg")
    assert grown_spec(spec, 0.5).channels == (3, 6, 12, 24)  # 2,4,8,16 at width 0.5, plus half
    assert grown_spec(spec, 0.01).channels == (3, 5, 9, 17)  # at least one new unit a layer
    assert grown_spec(small_spec("resnext"), 0.5).cardinality == 6
    sizes = [count_parameters(build_model(grown_spec(spec, r))) for r in (0.25, 0.5, 1.0)]
    assert count_parameters(build_model(spec)) < sizes[0] < sizes[1] < sizes[2]


@pytest.mark.parametrize("network", NETWORKS)
def test_grown_weights_load_into_the_grown_spec(network: str) -> None:
    spec = small_spec(network)
    pre = trained_like(spec, seed=1)
    grown = grow_model(pre, spec, ratio=0.25, seed=2)
    rebuilt = build_model(grown_spec(spec, 0.25))
    rebuilt.load_state_dict(grown.state_dict())  # strict: checkpoints of the grown spec work


def test_invalid_growth_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        grown_spec(small_spec("vgg"), 0.0)
    with pytest.raises(ConfigError):
        grown_spec(ModelSpec(network="r3d_18"), 0.5)
