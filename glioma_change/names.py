"""Names shared by several layers, each defined once: networks, training strategies, source tasks, map channels,
compile modes."""

from __future__ import annotations

from typing import Literal, get_args

Network = Literal["vgg", "resnext"]
"""The networks a study searches and `train` fits."""
NetworkName = Literal[Network, "r3d_18"]
"""Every network `models.build_model` builds (`r3d_18`: torchvision's video ResNet-18, optional)."""
NETWORKS: tuple[str, ...] = get_args(Network)

STRATEGY_NAMES: tuple[str, ...] = (
    "baseline",
    "mixed",
    "finetune",
    "feature_extract",
    "finetune_grow",
    "meanvar_init",
    "teacher_student",
)
"""Training strategies, in the order help and errors list them; `training.strategies` registers one each."""

SourceTask = Literal["weak_labels", "self_supervised", "both"]
"""What a network is pre-trained on before fine-tuning on human labels."""
Channel = Literal["diff", "absdiff"]
"""Input channels of a network: the signed and the absolute difference map."""

CompileMode = Literal["off", "default", "reduce-overhead", "max-autotune"]
"""`off`, or a `torch.compile` mode (`reduce-overhead` adds CUDA graphs: fewer launches for small nets)."""
COMPILE_MODES: tuple[str, ...] = get_args(CompileMode)


def check_strategy(name: str) -> str:
    """`name` when it is a known strategy; ValueError naming the known ones otherwise."""
    if name not in STRATEGY_NAMES:
        raise ValueError(f"unknown strategy {name!r} (known: {', '.join(STRATEGY_NAMES)})")
    return name
