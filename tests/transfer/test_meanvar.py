"""Mean/variance initialisation: per-tensor statistics of the pre-trained network, new weights."""

from __future__ import annotations

import pytest
import torch

from glioma_change.testing.transfer import small_spec, trained_like
from glioma_change.transfer import meanvar_init


@pytest.mark.parametrize("network", ["vgg", "resnext"])
def test_each_tensor_matches_the_pretrained_mean_and_std(network: str) -> None:
    spec = small_spec(network)
    pre = trained_like(spec, seed=1)
    with torch.no_grad():  # give every tensor its own, clearly non-default, statistics
        for i, p in enumerate(pre.parameters()):
            p.mul_(2.0).add_(0.1 * (i % 5 - 2))
    init = meanvar_init(pre, spec, seed=3)
    old = dict(pre.named_parameters())
    checked = 0
    for name, new in init.named_parameters():
        new, ref = new.detach(), old[name].detach()
        assert new.shape == ref.shape
        if ref.numel() < 200:
            continue
        n = ref.numel()
        std = float(ref.std(unbiased=False))
        assert abs(float(new.mean()) - float(ref.mean())) < 5 * std / n**0.5 + 1e-6, name
        assert float(new.std(unbiased=False)) == pytest.approx(std, rel=5 / n**0.5 + 0.02), name
        assert not torch.allclose(new, ref), name
        checked += 1
    assert checked >= 4


def test_meanvar_init_is_seeded() -> None:
    spec = small_spec("vgg")
    pre = trained_like(spec, seed=1)
    a, b, c = meanvar_init(pre, spec, 5), meanvar_init(pre, spec, 5), meanvar_init(pre, spec, 6)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not torch.equal(sa["features.0.weight"], sc["features.0.weight"])
