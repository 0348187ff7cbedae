"""The optional `.[video]` backbone (torchvision's r3d_18): checkpoints, freezing, and a core that never
imports torchvision. Skipped where torchvision does not import; CI runs it in a torch/torchvision venv
(scripts/check_video.sh), where a skip counts as a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from glioma_change.models import ModelSpec, build_model, freeze_features, load_checkpoint, save_checkpoint
from glioma_change.models.factory import torchvision_available

pytestmark = pytest.mark.skipif(not torchvision_available(), reason="torchvision does not import beside this torch")

META = {"input_shape": [16, 16, 16], "input_spacing": [2.0, 2.0, 2.0], "channels": ["diff", "absdiff"],
        "fold": 0, "strategy": "finetune", "seed": 5}


def test_r3d_18_checkpoint_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    torch.manual_seed(3)
    spec = ModelSpec(network="r3d_18", in_channels=2, dropout=0.1)
    model = build_model(spec)
    model.train()
    model(torch.randn(2, 2, 16, 16, 16))  # move BatchNorm running statistics off their defaults
    model.eval()
    x = torch.randn(2, 2, 16, 16, 16)
    loaded, spec2, meta = load_checkpoint(save_checkpoint(tmp_path / "r3d.pt", model, spec, META))
    assert spec2 == spec and meta == META
    torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_frozen_r3d_18_trains_only_its_head() -> None:
    torch.manual_seed(4)
    model = freeze_features(build_model(ModelSpec(network="r3d_18", in_channels=2)))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        model(torch.randn(4, 2, 16, 16, 16)), torch.tensor([0.0, 1.0, 0.0, 1.0])
    )
    loss.backward()
    optimizer.step()
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("head.") for k in changed), changed


def test_core_networks_never_import_torchvision() -> None:
    probe = (
        "import sys\n"
        "from glioma_change.models import ModelSpec, build_model\n"
        "import glioma_change.training, glioma_change.evaluation\n"
        "build_model(ModelSpec(network='vgg')); build_model(ModelSpec(network='resnext'))\n"
        "print('torchvision' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.strip() == "False"
