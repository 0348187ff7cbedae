"""Networks: any input shape, (B,) logits, feature/head split, freezing, capacity knobs, registry."""

from __future__ import annotations

import pytest
import torch

from glioma_change.errors import ConfigError
from glioma_change.models import ModelSpec, available_networks, build_model, count_parameters, freeze_features
from glioma_change.models.factory import torchvision_available

NETWORKS = ["vgg", "resnext"]


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("shape", [(16, 16, 16), (9, 20, 13), (32, 24, 28)])
def test_any_input_shape_gives_one_logit_per_sample(network: str, shape: tuple[int, int, int]) -> None:
    torch.manual_seed(0)
    model = build_model(ModelSpec(network=network, in_channels=2)).eval()
    x = torch.randn(3, 2, *shape)
    logits = model(x)
    assert logits.shape == (3,)
    assert torch.isfinite(logits).all()
    feats = model.features(x)
    assert feats.shape == (3, model.feature_dim)
    assert model.head(feats).shape == (3, 1)
    torch.testing.assert_close(model.head(feats).squeeze(1), logits)


@pytest.mark.parametrize("network", NETWORKS)
def test_logits_depend_on_the_input(network: str) -> None:
    torch.manual_seed(0)
    model = build_model(ModelSpec(network=network)).eval()
    x = torch.randn(2, 1, 16, 16, 16)
    assert not torch.allclose(model(x), model(x * 3.0 + 1.0))


@pytest.mark.parametrize("network", NETWORKS)
def test_freeze_features_freezes_only_the_feature_extractor(network: str) -> None:
    torch.manual_seed(0)
    model = build_model(ModelSpec(network=network))
    total, head = count_parameters(model), count_parameters(model.head)
    freeze_features(model)
    assert all(not p.requires_grad for p in model.features.parameters())
    assert all(p.requires_grad for p in model.head.parameters())
    assert count_parameters(model, trainable_only=True) == head < total

    model.train()  # training mode must not unfreeze BatchNorm statistics of the features
    assert not model.features.training and model.head.training
    before = {k: v.clone() for k, v in model.features.state_dict().items()}
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    head_before = [p.clone() for p in model.head.parameters()]
    loss = model(torch.randn(4, 1, 16, 16, 16)).pow(2).mean()
    loss.backward()
    opt.step()
    for k, v in model.features.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert any(not torch.equal(a, b) for a, b in zip(head_before, model.head.parameters(), strict=True))


def test_capacity_knobs_change_parameter_counts() -> None:
    def n(**kw: object) -> int:
        return count_parameters(build_model(ModelSpec(**kw)))

    assert n(network="vgg", width=0.5) < n(network="vgg") < n(network="vgg", width=2.0)
    assert n(network="vgg", dense=(64,)) < n(network="vgg") < n(network="vgg", convs_per_block=2)
    assert n(network="resnext", width=0.5) < n(network="resnext")
    assert n(network="resnext", layers=(1, 1, 1, 1)) < n(network="resnext")
    assert n(network="resnext", squeeze_excitation=False) < n(network="resnext")
    assert n(network="resnext", cardinality=4) < n(network="resnext")
    # the ResNeXt is the higher-capacity network
    assert n(network="vgg") < n(network="resnext")


def test_resnext_uses_grouped_convolutions() -> None:
    model = build_model(ModelSpec(network="resnext", cardinality=4))
    groups = {m.groups for m in model.modules() if isinstance(m, torch.nn.Conv3d)}
    assert groups == {1, 4}


def test_dropout_is_active_only_in_training() -> None:
    torch.manual_seed(0)
    model = build_model(ModelSpec(network="vgg", dropout=0.5))
    x = torch.randn(2, 1, 16, 16, 16)
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_spec_rejects_unknown_keys_and_bad_values() -> None:
    with pytest.raises(ValueError):
        ModelSpec(network="vgg", depth=3)
    with pytest.raises(ValueError):
        ModelSpec(network="vgg", width=0)
    with pytest.raises(ValueError):
        ModelSpec(network="alexnet")


@pytest.mark.skipif(torchvision_available(), reason="torchvision imports here: r3d_18 is available")
def test_r3d_18_unavailable_without_torchvision_is_a_config_error() -> None:
    assert "r3d_18" not in available_networks()
    with pytest.raises(ConfigError, match="torchvision"):
        build_model(ModelSpec(network="r3d_18"))


@pytest.mark.skipif(not torchvision_available(), reason="torchvision does not import beside this torch")
def test_r3d_18_backbone_splits_features_and_head() -> None:
    model = build_model(ModelSpec(network="r3d_18", in_channels=2)).eval()
    x = torch.randn(2, 2, 16, 16, 16)
    assert model.features(x).shape == (2, model.feature_dim)
    assert model(x).shape == (2,)
