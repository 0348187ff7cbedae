"""Checkpoints: round trip gives identical outputs; bad files and incomplete metadata are clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from glioma_change.errors import InputError
from glioma_change.models import ModelSpec, build_model, freeze_features, load_checkpoint, save_checkpoint

META = {
    "input_shape": [16, 16, 16],
    "input_spacing": [2.0, 2.0, 2.0],
    "channels": ["diff", "absdiff"],
    "fold": 3,
    "strategy": "finetune",
    "seed": 7,
}


@pytest.mark.parametrize("network", ["vgg", "resnext"])
def test_round_trip_gives_identical_outputs(tmp_path: Path, network: str) -> None:
    torch.manual_seed(1)
    spec = ModelSpec(network=network, width=0.5, dropout=0.2, in_channels=2, cardinality=4)
    model = build_model(spec)
    model.train()
    model(torch.randn(4, 2, 16, 16, 16))  # move BatchNorm running statistics away from their defaults
    model.eval()
    x = torch.randn(3, 2, 16, 16, 16)
    path = save_checkpoint(tmp_path / "m.pt", model, spec, META)
    loaded, spec2, meta = load_checkpoint(path)
    assert spec2 == spec
    assert meta == META
    assert not loaded.training
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # atomic write leaves no temporary file


def test_frozen_model_round_trips(tmp_path: Path) -> None:
    spec = ModelSpec(network="vgg")
    model = freeze_features(build_model(spec))
    loaded, _, _ = load_checkpoint(save_checkpoint(tmp_path / "f.pt", model, spec, META))
    x = torch.randn(2, 1, 12, 12, 12)
    torch.testing.assert_close(loaded(x), model.eval()(x), rtol=0, atol=0)


def test_numpy_metadata_is_stored_as_plain_values(tmp_path: Path) -> None:
    spec = ModelSpec(network="vgg")
    meta = {**META, "fold": np.int64(2), "input_spacing": np.array([1.5, 1.5, 2.0]), "extra": {"auc": np.float32(0.5)}}
    _, _, loaded = load_checkpoint(save_checkpoint(tmp_path / "n.pt", build_model(spec), spec, meta))
    assert loaded["fold"] == 2 and type(loaded["fold"]) is int
    assert loaded["input_spacing"] == [1.5, 1.5, 2.0] and loaded["extra"] == {"auc": 0.5}


def test_meta_must_carry_the_required_keys(tmp_path: Path) -> None:
    spec = ModelSpec(network="vgg")
    meta = {k: v for k, v in META.items() if k != "input_spacing"}
    with pytest.raises(ValueError, match="input_spacing"):
        save_checkpoint(tmp_path / "m.pt", build_model(spec), spec, meta)
    assert not (tmp_path / "m.pt").exists()


def test_unreadable_or_mismatched_checkpoints_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="bad.pt"):
        load_checkpoint(bad)
    with pytest.raises(InputError, match="missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")
    spec = ModelSpec(network="vgg")
    path = save_checkpoint(tmp_path / "m.pt", build_model(spec), spec, META)
    payload = torch.load(path, weights_only=True)
    payload["spec"]["width"] = 2.0
    torch.save(payload, tmp_path / "wrong.pt")
    with pytest.raises(InputError, match="wrong.pt.*do not match"):
        load_checkpoint(tmp_path / "wrong.pt")
