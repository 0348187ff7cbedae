"""The CUDA training path on a real GPU: maps held once on the device, bf16 training close to float32 on
CPU, compiled steps, several folds without new copies. Skipped where torch sees no CUDA device (CI);
`benchmarks/gpu_check.sh` runs it on a lent GPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glioma_change.models import ModelSpec, build_model
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import make_fake_study
from glioma_change.training.loop import LoopSettings, fit, predict
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import SPLITS, StudyData

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")

SETTINGS = LoopSettings(epochs=3, patience=5, lr=1e-3, weight_decay=0.0, batch_size=4, aug_strength=0.0)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyData:
    return StudyData(load_study_config(make_fake_study(tmp_path_factory.mktemp("fake"))), "cuda")


def test_maps_are_loaded_to_the_gpu_once_and_folds_add_no_copies(study: StudyData) -> None:
    assert study.bank.data.is_cuda
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    for k in range(len(study.folds)):
        for threshold in (0.75, 0.95):
            data = study.fold(k, threshold)
            assert all(getattr(data, name).x is study.bank.data for name in SPLITS)
    torch.cuda.synchronize()
    assert torch.cuda.memory_allocated() - before < study.bank.data.numel() * study.bank.data.element_size() / 4


@pytest.mark.parametrize("mode", ["off", "default"])
def test_bf16_training_on_the_gpu_tracks_float32_on_cpu(study: StudyData, mode: str) -> None:
    data = study.fold(0, 0.75)
    gpu = Runtime.create("cuda", mode)
    assert gpu.amp_dtype is not None and gpu.channels_last
    spec = ModelSpec(network="vgg", in_channels=1, width=0.5)
    models = {}
    for name, runtime, train in (
        ("cpu", Runtime.create("cpu"), data.human_train.to(torch.device("cpu"))),
        ("gpu", gpu, data.human_train),
    ):
        torch.manual_seed(0)
        models[name] = build_model(spec)
        fit(models[name], train, train, SETTINGS, runtime, seed=0)
    assert next(models["gpu"].parameters()).is_cuda
    prob_gpu = predict(models["gpu"], data.test, gpu)
    prob_cpu = predict(models["cpu"], data.test.to(torch.device("cpu")), Runtime.create("cpu"))
    assert np.isfinite(prob_gpu).all()
    np.testing.assert_allclose(prob_gpu, prob_cpu, atol=0.1)  # bf16 autocast: close, not equal
