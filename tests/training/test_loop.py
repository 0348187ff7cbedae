"""The training loop and strategies on tiny fake maps: determinism, class balance, pre-training cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from glioma_change.study_config import load_study_config
from glioma_change.testing.study import make_fake_study
from glioma_change.training import strategies
from glioma_change.training.loop import pos_weight, predict, validation_score
from glioma_change.training.params import TrainParams
from glioma_change.training.pretrain_cache import PretrainCache
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.tuning.fold_runs import run_fold

CPU = Runtime.create("cpu")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyData:
    torch.set_num_threads(1)
    return StudyData(load_study_config(make_fake_study(tmp_path_factory.mktemp("fake"))))


def _test_probs(study: StudyData, params: TrainParams, seed: int, cache: PretrainCache | None = None) -> np.ndarray:
    config = study.config.model_copy(update={"seed": seed})
    run = run_fold(config, study, params, 0, CPU, cache)
    return predict(run.trained.model, run.data.test, CPU)


def test_same_seed_same_predictions_on_cpu(study: StudyData) -> None:
    params = TrainParams(network="vgg", strategy="mixed", width=0.25, dropout=0.25, aug_strength=0.8, batch_size=4)
    first = _test_probs(study, params, seed=3)
    again = _test_probs(study, params, seed=3)
    other = _test_probs(study, params, seed=4)
    assert len(first) > 0
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_pretrained_weights_are_cached_and_reused(
    study: StudyData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = PretrainCache(tmp_path / "cache")
    params = TrainParams(network="vgg", strategy="finetune", width=0.25, weak_threshold=0.75)
    first = _test_probs(study, params, seed=1, cache=cache)
    assert len(list((tmp_path / "cache").rglob("*.pt"))) == 1
    calls = []
    original = strategies.fit
    monkeypatch.setattr(strategies, "fit", lambda *a, **k: calls.append(k.get("desc")) or original(*a, **k))
    again = _test_probs(study, params.model_copy(update={"strategy": "feature_extract"}), seed=1, cache=cache)
    assert calls == ["fold 0 vgg/feature_extract"]  # no second pre-training
    assert len(list((tmp_path / "cache").rglob("*.pt"))) == 1
    assert not np.array_equal(first, again)


def test_feature_extract_leaves_features_untouched(study: StudyData) -> None:
    params = TrainParams(network="vgg", strategy="feature_extract", width=0.25, lr=1e-2)
    run = run_fold(study.config, study, params, 0, CPU, None)
    reference = strategies.pretrained_model(
        strategies.StrategyContext(run.data, params, run.spec, study.config.budget, CPU, study.config.seed)
    )
    for (name, a), b in zip(run.trained.model.features.state_dict().items(), reference.features.state_dict().values()):
        assert torch.equal(a, b), name


def test_pos_weight_balances_weighted_classes() -> None:
    y = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0])
    w = torch.tensor([1.0, 1.0, 1.0, 0.5, 0.5])
    assert float(pos_weight(y, w)) == pytest.approx(2.5 / 1.5)
    assert float(pos_weight(torch.zeros(3), torch.ones(3))) == 1.0


def test_validation_score_is_auc_or_log_likelihood() -> None:
    assert validation_score(np.array([0, 1, 1]), np.array([0.2, 0.9, 0.1])) == pytest.approx(0.5)
    good = validation_score(np.array([1, 1]), np.array([0.9, 0.8]))
    bad = validation_score(np.array([1, 1]), np.array([0.1, 0.2]))
    assert bad < good < 0


def test_a_last_batch_of_one_joins_the_previous_batch() -> None:
    from glioma_change.models import ModelSpec, build_model
    from glioma_change.training.loop import LoopSettings, Samples, fit

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(9, 1, 24, 24, 24, generator=gen).half()
    y = torch.tensor([0, 1] * 4 + [1], dtype=torch.float32)
    train = Samples(x, y, torch.ones(9))
    model = build_model(ModelSpec(network="resnext", width=0.25))
    settings = LoopSettings(epochs=1, patience=1, lr=1e-3, weight_decay=0.0, batch_size=4, aug_strength=0.0)
    result = fit(model, train, train, settings, CPU, seed=0)  # 9 = 4 + 5: batch norm never sees one sample
    assert result is not None


def test_a_single_training_sample_still_trains() -> None:
    from glioma_change.models import ModelSpec, build_model
    from glioma_change.training.loop import LoopSettings, Samples, fit

    x = torch.randn(1, 1, 24, 24, 24, generator=torch.Generator().manual_seed(1)).half()
    one = Samples(x, torch.ones(1), torch.ones(1))
    model = build_model(ModelSpec(network="resnext", width=0.25))
    before = [p.detach().clone() for p in model.parameters()]
    settings = LoopSettings(epochs=1, patience=1, lr=1e-2, weight_decay=0.0, batch_size=4, aug_strength=0.0)
    fit(model, one, one, settings, CPU, seed=0)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


class _MeanLogit(torch.nn.Module):
    """logit = a · mean(x) + b with a > 0: its AUC on inputs separated by their mean is 1 at every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.01))
        self.b = torch.nn.Parameter(torch.tensor(0.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.a * x.float().mean(dim=(1, 2, 3, 4)) + self.b


def test_an_auc_tie_goes_to_the_epoch_with_the_lower_validation_loss() -> None:
    """A small validation set reaches AUC 1 after one epoch; training must not stop at (and keep) that epoch."""
    from glioma_change.training.loop import LoopSettings, Samples, fit, validation_loss

    y = torch.tensor([0, 1] * 4, dtype=torch.float32)
    x = (
        torch.randn(8, 1, 4, 4, 4, generator=torch.Generator().manual_seed(2)) * 0.1 + 2 * y[:, None, None, None, None]
    ).half()
    data = Samples(x, y, torch.ones(8))
    model = _MeanLogit()
    settings = LoopSettings(epochs=12, patience=3, lr=0.05, weight_decay=0.0, batch_size=4, aug_strength=0.0)
    result = fit(model, data, data, settings, CPU, seed=0)
    assert result.history == [1.0] * len(result.history)  # the AUC never improves after epoch 0
    assert len(result.history) == settings.epochs  # yet the loss kept improving, so training went on
    assert result.best_epoch == settings.epochs - 1
    start = validation_loss(y.numpy(), torch.sigmoid(_MeanLogit()(x)).detach().numpy())
    assert validation_loss(y.numpy(), predict(model, data, CPU)) < start
