"""Teacher–student helpers: pseudo-labels only for training maps, fusion, k noisy-student rounds."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from glioma_change.models import ModelSpec, build_model
from glioma_change.testing.transfer import blob_maps
from glioma_change.training.loop import LoopSettings, Samples, fit
from glioma_change.training.runtime import Runtime
from glioma_change.transfer import LeakageError, fuse, noisy_student_rounds, pseudo_labels

SPEC = ModelSpec(network="vgg", width=0.25, dropout=0.25)


def _ids(prefix: str, n: int) -> list[str]:
    return [f"sub-{prefix}{i:02d}_ses-20200101_vs_ses-20200501" for i in range(n)]


def test_pseudo_labels_only_for_allowed_pairs() -> None:
    x, _ = blob_maps(6, seed=0)
    torch.manual_seed(0)
    teacher = build_model(SPEC)
    train_ids, test_ids = _ids("T", 6), _ids("X", 2)
    prob = pseudo_labels(teacher, x, train_ids, allowed=train_ids, batch_size=4)
    assert prob.shape == (6,) and bool(((prob > 0) & (prob < 1)).all())
    with torch.no_grad():
        teacher.eval()
        torch.testing.assert_close(prob, torch.sigmoid(teacher(x.float())))
    with pytest.raises(LeakageError, match="sub-X00"):
        pseudo_labels(teacher, x[:3], [*train_ids[:2], test_ids[0]], allowed=train_ids)


def test_fuse_weight_picks_each_source() -> None:
    report, image = torch.tensor([0.9, 0.1, 0.6]), torch.tensor([0.2, 0.3, 0.8])
    torch.testing.assert_close(fuse(report, image, 1.0), report)
    torch.testing.assert_close(fuse(report, image, 0.0), image)
    torch.testing.assert_close(fuse(report, image, 0.25), 0.25 * report + 0.75 * image)
    with pytest.raises(ValueError):
        fuse(report, image, 1.5)


@pytest.mark.parametrize("fuse_weight", [0.0, 1.0])
def test_noisy_student_rounds(fuse_weight: float) -> None:
    x, y = blob_maps(20, seed=1)
    human = Samples(x[:8], y[:8], torch.ones(8))
    val = Samples(x[8:12], y[8:12], torch.ones(4))
    weak_x, weak_ids = x[12:], _ids("W", 8)
    report = torch.linspace(0.05, 0.95, 8)
    weak = Samples(weak_x, torch.zeros(8), torch.ones(8))  # its labels are replaced by pseudo-labels
    confident = Samples(weak_x[:2], torch.tensor([0.0, 1.0]), torch.ones(2))
    seen: list[tuple[int, Samples]] = []
    models: list[nn.Module] = []

    def train(samples: Samples, r: int) -> nn.Module:
        seen.append((r, samples))
        torch.manual_seed(r)
        models.append(build_model(SPEC))
        fit(models[-1], samples, val, LoopSettings(1, 1, 1e-3, 0.0, 4, 0.5), Runtime.create("cpu"), seed=r)
        return models[-1]

    result = noisy_student_rounds(
        train,
        human,
        weak,
        weak_ids,
        allowed=weak_ids,
        rounds=2,
        report_prob=report,
        fuse_weight=fuse_weight,
        teacher_weak=confident,
    )
    assert [r for r, _ in seen] == [0, 1, 2]
    assert len(seen[0][1]) == 10  # the teacher: human + the confident weak labels
    for r, prob in enumerate(result.pseudo, start=1):
        samples = seen[r][1]
        assert len(samples) == 16
        torch.testing.assert_close(samples.y[8:], prob)
        if fuse_weight == 1.0:
            torch.testing.assert_close(prob, report)
        else:  # the previous round's model labels the weak maps, softly
            torch.testing.assert_close(prob, pseudo_labels(models[r - 1], weak_x, weak_ids, weak_ids))
            assert bool(((prob > 0) & (prob < 1)).all())
    assert result.model is models[-1] and len(result.pseudo) == 2
    with pytest.raises(LeakageError):
        noisy_student_rounds(train, human, weak, weak_ids, allowed=weak_ids[:-1], rounds=1)
