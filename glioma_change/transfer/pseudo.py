"""Teacher–student self-training with soft pseudo-labels (noisy student, Xie et al., CVPR 2020).

A teacher trained on human labels (optionally with the confident weak labels) labels the weakly
labelled maps with its probabilities (no noise: eval mode, no augmentation); a student trained with
noise (augmentation, dropout; the train function's business) learns from the human labels and these
soft pseudo-labels, and becomes the next round's teacher. The fused variant blends the report's
probability into each pseudo-label. Pseudo-labels are only ever made for allowed pair ids (the weak
maps of a fold's training patients): asking for any other map raises `LeakageError`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from glioma_change.data import MapBank
from glioma_change.data.samples import Samples

TrainFn = Callable[[Samples, int], nn.Module]
"""Train a fresh model on the given samples in round `r` (0: the first teacher); labels may be soft."""


class LeakageError(ValueError):
    """A map outside the allowed (training-patient) set was about to be pseudo-labelled."""


@torch.no_grad()
def pseudo_labels(
    teacher: nn.Module,
    maps: torch.Tensor | MapBank | Samples,
    pair_ids: Sequence[str],
    allowed: Collection[str],
    batch_size: int = 16,
) -> torch.Tensor:
    """The teacher's P(unstable) for each pair (float32, CPU, in order); `LeakageError` if one is not allowed.

    `maps` is a `MapBank`, or a tensor or `Samples` whose rows are the maps of `pair_ids` in order.
    """
    allowed = set(allowed)
    outside = [p for p in pair_ids if p not in allowed]
    if outside:
        raise LeakageError(f"{len(outside)} pair(s) outside the training patients, e.g. {outside[0]}")
    if isinstance(maps, MapBank):
        maps = Samples.unlabelled(maps.data, maps.rows(list(pair_ids)))
    elif not isinstance(maps, Samples):
        maps = Samples.unlabelled(maps)
    if len(maps) != len(pair_ids):
        raise ValueError(f"{len(maps)} maps for {len(pair_ids)} pair ids")
    device = next(teacher.parameters()).device
    was_training = teacher.training
    teacher.eval()
    out = [
        torch.sigmoid(teacher(maps.batch(slice(i, i + batch_size)).to(device).float()).float()).cpu()
        for i in range(0, len(maps), batch_size)
    ]
    teacher.train(was_training)
    return torch.cat(out) if out else torch.zeros(0)


def fuse(report_prob: torch.Tensor, image_prob: torch.Tensor, weight: float) -> torch.Tensor:
    """`weight × report + (1 − weight) × image`: weight 1 keeps the report's probability, 0 the teacher's."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"fusion weight must lie in [0, 1], got {weight}")
    if report_prob.shape != image_prob.shape:
        raise ValueError(f"probability shapes differ: report {report_prob.shape}, image {image_prob.shape}")
    return weight * report_prob.float() + (1.0 - weight) * image_prob.float()


@dataclass
class NoisyStudentResult:
    """The last student (or the teacher when `rounds` is 0) and the pseudo-labels of every round."""

    model: nn.Module
    pseudo: list[torch.Tensor] = field(default_factory=list)


def noisy_student_rounds(
    train: TrainFn,
    human: Samples,
    weak: Samples,
    weak_pair_ids: Sequence[str],
    allowed: Collection[str],
    rounds: int,
    report_prob: torch.Tensor | None = None,
    fuse_weight: float = 0.0,
    teacher_weak: Samples | None = None,
    pseudo_weight: float = 1.0,
) -> NoisyStudentResult:
    """Run `rounds` teacher→student rounds (see module docstring).

    Round 0 trains the teacher on `human` (+ `teacher_weak`, e.g. the confident weak labels). Each later
    round pseudo-labels the maps of `weak` (rows = `weak_pair_ids`, each in `allowed`; its own labels
    are not used), fuses them with `report_prob` by `fuse_weight` when given, and trains a student on
    `human` + the pseudo-labelled maps weighted by `pseudo_weight`; the student teaches the next round.
    """
    if rounds < 0:
        raise ValueError(f"rounds must be ≥ 0, got {rounds}")
    if report_prob is None and fuse_weight > 0.0:
        raise ValueError("fuse_weight > 0 needs report_prob")
    model = train(Samples.concat([human, teacher_weak]) if teacher_weak is not None else human, 0)
    result = NoisyStudentResult(model)
    for r in range(1, rounds + 1):
        prob = pseudo_labels(model, weak, weak_pair_ids, allowed)
        if report_prob is not None and fuse_weight > 0.0:
            prob = fuse(report_prob, prob, fuse_weight)
        y = prob.to(weak.y.device)
        pseudo = weak.relabelled(y, torch.full_like(y, pseudo_weight))
        model = train(Samples.concat([human, pseudo]), r)
        result.pseudo.append(prob)
        result.model = model
    return result
