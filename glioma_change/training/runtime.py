"""Where a model runs: device choice, mixed precision, memory format and compilation.

CUDA is used when asked or available, with bf16 (else fp16) autocast and `channels_last_3d`. With a
compile mode, `forward(model)` is `torch.compile(model, mode=...)`: a handle for the forward pass only,
so the network itself (its `state_dict`, checkpoints, `freeze_features`, `train()`/`eval()`) is
unchanged. Compiled graphs are reused by later networks of the same architecture and input shape in
the process (parameters are graph inputs), so a worker compiles each network once, not once per trial.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from glioma_change.errors import ConfigError
from glioma_change.names import COMPILE_MODES, CompileMode

__all__ = ["COMPILE_MODES", "CompileMode", "Runtime"]


@dataclass(frozen=True)
class Runtime:
    """A device plus how to use it: autocast dtype (None on CPU) and channels-last 3D on CUDA."""

    device: torch.device
    amp_dtype: torch.dtype | None
    channels_last: bool
    compile_mode: CompileMode = "off"

    @classmethod
    def create(cls, device: Literal["auto", "cpu", "cuda"] = "auto", compile: CompileMode = "off") -> Runtime:
        """`auto` picks CUDA when present, otherwise CPU; `cuda` without a GPU is a `ConfigError`."""
        if device == "cuda" and not torch.cuda.is_available():
            raise ConfigError("device: 'cuda' requested but no CUDA device is available")
        if compile not in COMPILE_MODES:
            raise ConfigError(f"compile: unknown mode {compile!r} (known: {', '.join(COMPILE_MODES)})")
        if device == "cpu" or not torch.cuda.is_available():
            return cls(torch.device("cpu"), None, False, compile)
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return cls(torch.device("cuda"), dtype, True, compile)

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last_3d if self.channels_last else torch.contiguous_format

    def to_input(self, x: torch.Tensor) -> torch.Tensor:
        """Move a (B,C,D,H,W) batch to the device as float32 in the model's memory format."""
        return x.to(self.device, non_blocking=True).float().contiguous(memory_format=self.memory_format)

    def prepare(self, model: nn.Module) -> nn.Module:
        """Move a model to the device in the right memory format."""
        return model.to(self.device, memory_format=self.memory_format)  # type: ignore[call-overload]  # torch's stubs omit memory_format

    def forward(self, model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        """The callable computing `model`'s logits: the model itself, or its `torch.compile` handle."""
        if self.compile_mode == "off":
            return model
        return torch.compile(model, mode=self.compile_mode)

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
