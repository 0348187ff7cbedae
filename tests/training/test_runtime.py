"""The GPU-oriented training path, checked on CPU: maps held once, compiled forward passes, one device."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glioma_change.errors import ConfigError
from glioma_change.models import ModelSpec, build_model, freeze_features
from glioma_change.models.checkpoint import load_checkpoint, save_checkpoint
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import make_fake_study
from glioma_change.training.loop import LoopSettings, Samples, fit, predict
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import SPLITS, StudyData

SPEC = ModelSpec(network="vgg", in_channels=1, width=0.25)
META = {
    "input_shape": [12, 12, 12],
    "input_spacing": [1.0, 1.0, 1.0],
    "channels": ["diff"],
    "fold": 0,
    "strategy": "baseline",
    "seed": 0,
}
SETTINGS = LoopSettings(epochs=2, patience=5, lr=1e-3, weight_decay=0.0, batch_size=4, aug_strength=0.5)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyData:
    torch.set_num_threads(1)
    return StudyData(load_study_config(make_fake_study(tmp_path_factory.mktemp("fake"))))


def test_every_fold_and_threshold_selects_rows_of_the_one_bank(study: StudyData) -> None:
    storage = study.bank.data
    for k in range(len(study.folds)):
        for threshold in (0.75, 0.95):
            data = study.fold(k, threshold)
            for name in SPLITS:
                samples = getattr(data, name)
                assert samples.x is storage  # no per-fold copy of the maps
                ids = list(data.frames[name]["pair_id"])
                assert torch.equal(samples.inputs(), study.bank.stack(ids))


def test_concat_keeps_one_storage_and_copies_only_foreign_maps(study: StudyData) -> None:
    data = study.fold(0, 0.75)
    both = Samples.concat([data.human_train, data.weak_train])
    assert both.x is study.bank.data and len(both) == len(data.human_train) + len(data.weak_train)
    assert torch.equal(both.inputs(), torch.cat([data.human_train.inputs(), data.weak_train.inputs()]))
    head = data.val.take(slice(0, 2))
    assert head.x is study.bank.data and torch.equal(head.inputs(), data.val.inputs()[:2])
    assert torch.equal(head.y, data.val.y[:2])
    own = Samples(torch.zeros(2, *study.bank.data.shape[1:], dtype=torch.float16), torch.ones(2), torch.ones(2))
    mixed = Samples.concat([data.val, own])
    assert mixed.x is not study.bank.data
    assert torch.equal(mixed.inputs()[: len(data.val)], data.val.inputs())
    assert torch.equal(mixed.inputs()[len(data.val) :], own.x)


def _blobs(n: int = 16, size: int = 12) -> Samples:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 1, size, size, size, generator=gen) * 0.3
    y = (torch.arange(n) % 2).float()
    x[y == 1, :, 3:8, 3:8, 3:8] += 2.0
    return Samples(x.half(), y, torch.ones(n))


def _trained(runtime: Runtime, samples: Samples, frozen: bool = False) -> torch.nn.Module:
    torch.manual_seed(0)
    model = build_model(SPEC)
    if frozen:
        freeze_features(model)
    fit(model, samples, samples, SETTINGS, runtime, seed=0)
    return model


def test_compiled_training_matches_eager_and_saves_plain_checkpoints(tmp_path) -> None:
    torch._dynamo.reset()
    samples = _blobs()
    eager = _trained(Runtime.create("cpu"), samples)
    compiled_rt = Runtime.create("cpu", "default")
    compiled = _trained(compiled_rt, samples)
    graphs = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    assert graphs > 0  # something was compiled
    np.testing.assert_allclose(
        predict(compiled, samples, compiled_rt), predict(eager, samples, Runtime.create("cpu")), atol=2e-3
    )
    # the module trained is the plain network: its checkpoint rebuilds without `_orig_mod.` keys
    assert not any(k.startswith("_orig_mod") for k in compiled.state_dict())
    path = tmp_path / "model.pt"
    save_checkpoint(path, compiled, SPEC, META)
    reloaded, _, _ = load_checkpoint(path)
    np.testing.assert_allclose(
        predict(reloaded, samples, Runtime.create("cpu")), predict(compiled, samples, compiled_rt), atol=1e-4
    )
    # a new network of the same architecture reuses the compiled graphs (one compilation per worker)
    _trained(compiled_rt, samples)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == graphs


def test_compiled_training_keeps_frozen_features_frozen() -> None:
    samples = _blobs()
    torch.manual_seed(0)
    before = build_model(SPEC).features.state_dict()
    model = _trained(Runtime.create("cpu", "default"), samples, frozen=True)
    for name, value in model.features.state_dict().items():
        assert torch.equal(value, before[name]), name  # weights and BatchNorm statistics untouched


def test_unknown_compile_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="compile"):
        Runtime.create("cpu", "fastest")  # type: ignore[arg-type]
