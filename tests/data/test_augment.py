"""Augmentation: identity at strength 0, deterministic per generator state, shape/device/dtype kept."""

from __future__ import annotations

import pytest
import torch

from glioma_change.data import augment


def _batch() -> torch.Tensor:
    x = torch.zeros(4, 2, 12, 14, 10)
    x[:, :, 4:8, 4:9, 1:4] = 2.0  # a blob on the left (low indices of the left-right axis W)
    return x + 0.1 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))


def test_strength_zero_is_the_identity() -> None:
    x = _batch()
    assert torch.equal(augment(x, 0.0, torch.Generator().manual_seed(1)), x)


def test_same_generator_state_gives_the_same_batch() -> None:
    x = _batch()
    a = augment(x, 0.7, torch.Generator().manual_seed(3))
    b = augment(x, 0.7, torch.Generator().manual_seed(3))
    c = augment(x, 0.7, torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert a.shape == x.shape and a.dtype == x.dtype and not torch.equal(a, x)


def test_float16_input_keeps_its_dtype() -> None:
    x = _batch().half()
    assert augment(x, 0.5, torch.Generator().manual_seed(0)).dtype == torch.float16


def test_full_strength_flips_some_samples_left_right() -> None:
    x = _batch().repeat(8, 1, 1, 1, 1)
    y = augment(x, 1.0, torch.Generator().manual_seed(0))
    left, right = y[:, 0, ..., :5].mean(dim=(1, 2, 3)), y[:, 0, ..., 5:].mean(dim=(1, 2, 3))
    flipped = right > left
    assert 0 < int(flipped.sum()) < len(x)  # the blob moved to the right half in some, not all samples
    assert torch.isfinite(y).all()


def test_mild_strength_stays_close_to_the_input() -> None:
    x = _batch()
    y = augment(x, 0.1, torch.Generator().manual_seed(0))
    assert (y - x).abs().mean() < 0.5 * x.abs().mean()


def test_strength_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError):
        augment(_batch(), 1.5, torch.Generator())


def test_signed_channels_flip_sign_together_and_unsigned_ones_never() -> None:
    x = _batch().abs().repeat(8, 1, 1, 1, 1)  # channel 0: signed difference, channel 1: its absolute value
    y = augment(x, 1.0, torch.Generator().manual_seed(0), signed_channels=(0,))
    signed_sum, unsigned_sum = y[:, 0].sum(dim=(1, 2, 3)), y[:, 1].sum(dim=(1, 2, 3))
    negated = signed_sum < 0
    assert 0 < int(negated.sum()) < len(x)  # some samples mirrored (progression ↔ response), not all
    assert (unsigned_sum > 0).all()
    unflipped = augment(x, 1.0, torch.Generator().manual_seed(0))
    assert (unflipped[:, 0].sum(dim=(1, 2, 3)) > 0).all()
