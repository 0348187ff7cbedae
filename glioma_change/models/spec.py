"""`ModelSpec`: which network to build and how big it is (validated, JSON-serialisable)."""

from __future__ import annotations

from pydantic import Field

from glioma_change.config import StrictModel
from glioma_change.names import NetworkName

__all__ = ["ModelSpec", "NetworkName", "scaled"]


class ModelSpec(StrictModel):
    """A network specification; every field has a default except the network.

    `width` multiplies every channel count (and the VGG dense sizes); `channels`, `convs_per_block` and
    `dense` shape the VGG; `layers`, `cardinality`, `base_width` and `squeeze_excitation` the ResNeXt.
    `r3d_18` (torchvision's video ResNet-18, optional) ignores the capacity knobs.
    """

    network: NetworkName
    width: float = Field(1.0, gt=0.0)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    in_channels: int = Field(1, ge=1)
    channels: tuple[int, ...] = Field((4, 8, 16, 32), min_length=1)
    convs_per_block: int = Field(1, ge=1)
    dense: tuple[int, ...] = (256, 128, 32)
    layers: tuple[int, ...] = Field((2, 3, 4, 2), min_length=1)
    cardinality: int = Field(8, ge=1)
    base_width: int = Field(4, ge=1)
    squeeze_excitation: bool = True


def scaled(n: int, width: float) -> int:
    """A channel count multiplied by `width`, at least 1."""
    return max(1, round(n * width))
