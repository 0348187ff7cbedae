"""Where a model runs: device choice, mixed precision and memory format (CUDA when asked or available)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import torch

from glioma_change.errors import ConfigError


@dataclass(frozen=True)
class Runtime:
    """A device plus how to use it: autocast dtype (None on CPU) and channels-last 3D on CUDA."""

    device: torch.device
    amp_dtype: torch.dtype | None
    channels_last: bool

    @classmethod
    def create(cls, device: Literal["auto", "cpu", "cuda"] = "auto") -> Runtime:
        """`auto` picks CUDA when present, otherwise CPU; `cuda` without a GPU is a `ConfigError`."""
        if device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device: 'cuda' requested but no CUDA device is available")
        if device == "cpu" or not torch.cuda.is_available():
            return cls(torch.device("cpu"), None, False)
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return cls(torch.device("cuda"), dtype, True)

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last_3d if self.channels_last else torch.contiguous_format

    def to_input(self, x: torch.Tensor) -> torch.Tensor:
        """Move a (B,C,D,H,W) batch to the device as float32 in the model's memory format."""
        return x.to(self.device, non_blocking=True).float().contiguous(memory_format=self.memory_format)

    def prepare(self, model: torch.nn.Module) -> torch.nn.Module:
        """Move a model to the device in the right memory format."""
        return model.to(self.device, memory_format=self.memory_format)

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        """Mixed precision on CUDA; a no-op on CPU."""
        if self.amp_dtype is None:
            yield
        else:
            with torch.autocast(device_type=self.device.type, dtype=self.amp_dtype):
                yield

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A loss scaler, enabled only for float16 autocast."""
        return torch.amp.GradScaler(self.device.type, enabled=self.amp_dtype == torch.float16)
