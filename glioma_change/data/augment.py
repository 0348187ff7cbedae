"""3D augmentation of a batch on its own device: left-right flips, small affine, noise, intensity.

`strength` ∈ [0, 1] scales every transform (0 is the identity): flip probability 0.5·s, rotations up
to 10°·s about each axis, isotropic scaling within ±10 %·s, translations up to 5 %·s of the field of
view, Gaussian noise of 0.05·s times each map's standard deviation, and an intensity factor
exp(N(0, 0.1·s)). With `signed_channels`, those channels (signed differences) change sign together
with probability 0.5·s: stable/unstable means change in either direction, so progression and response
mirror each other and the label is kept. Every draw comes from `generator` (on the tensor's device), so
the same generator state gives the same batch. Axis W is left-right (`MapBank` orientation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

MAX_ROTATION_DEG = 10.0
MAX_SCALE = 0.10
MAX_SHIFT = 0.05 * 2  # affine_grid coordinates span [-1, 1]: 5 % of the field of view
NOISE_STD = 0.05
INTENSITY_LOG_STD = 0.10


def _rotation(angles: torch.Tensor) -> torch.Tensor:
    """(B,3) angles in radians → (B,3,3) rotation matrices Rz·Ry·Rx."""
    c, s = torch.cos(angles), torch.sin(angles)
    one, zero = torch.ones_like(c[:, 0]), torch.zeros_like(c[:, 0])
    rx = torch.stack([one, zero, zero, zero, c[:, 0], -s[:, 0], zero, s[:, 0], c[:, 0]], 1).view(-1, 3, 3)
    ry = torch.stack([c[:, 1], zero, s[:, 1], zero, one, zero, -s[:, 1], zero, c[:, 1]], 1).view(-1, 3, 3)
    rz = torch.stack([c[:, 2], -s[:, 2], zero, s[:, 2], c[:, 2], zero, zero, zero, one], 1).view(-1, 3, 3)
    return rz @ ry @ rx


def augment(
    x: torch.Tensor, strength: float, generator: torch.Generator, signed_channels: Sequence[int] = ()
) -> torch.Tensor:
    """A randomly augmented copy of a `(B, C, D, H, W)` batch (the batch itself when `strength` is 0)."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"augmentation strength must lie in [0, 1], got {strength}")
    if strength == 0.0:
        return x
    b, dev = x.shape[0], x.device

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator, device=dev) * 2.0 - 1.0

    flip = torch.rand(b, generator=generator, device=dev) < 0.5 * strength
    angles = uniform(b, 3) * math.radians(MAX_ROTATION_DEG) * strength
    scale = 1.0 + uniform(b, 1, 1) * MAX_SCALE * strength
    shift = uniform(b, 3, 1) * MAX_SHIFT * strength
    noise = torch.randn(x.shape, generator=generator, device=dev)
    gain = torch.exp(torch.randn(b, generator=generator, device=dev) * INTENSITY_LOG_STD * strength)

    # affine_grid's (x, y, z) coordinates index (W, H, D): the left-right axis W is the first one
    linear = _rotation(angles) / scale
    sign = torch.ones(b, 3, device=dev)
    sign[:, 0] = torch.where(flip, -1.0, 1.0)
    theta = torch.cat([linear * sign[:, None, :], shift], dim=2)
    xf = x.float()
    grid = F.affine_grid(theta, list(xf.shape), align_corners=False)
    out = F.grid_sample(xf, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    std = xf.flatten(1).std(dim=1).view(b, 1, 1, 1, 1)
    out = (out + noise * NOISE_STD * strength * std) * gain.view(b, 1, 1, 1, 1)
    if signed_channels:
        negate = torch.rand(b, generator=generator, device=dev) < 0.5 * strength
        factor = torch.ones(b, out.shape[1], device=dev)
        factor[:, list(signed_channels)] = torch.where(negate, -1.0, 1.0)[:, None]
        out = out * factor.view(b, -1, 1, 1, 1)
    return out.to(x.dtype)
