"""The optional `.[video]` backbone (torchvision's r3d_18): checkpoints, freezing, and a core that never
imports torchvision itself. The r3d_18 tests skip where torchvision does not import; CI runs them in a
torch/torchvision venv (scripts/check_video.sh), where a skip counts as a failure."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from glioma_change.models import ModelSpec, build_model, freeze_features, load_checkpoint, save_checkpoint
from glioma_change.models.factory import torchvision_available

needs_torchvision = pytest.mark.skipif(
    not torchvision_available(), reason="torchvision does not import beside this torch"
)
PACKAGE = Path(__import__("glioma_change").__file__).parent

META = {
    "input_shape": [16, 16, 16],
    "input_spacing": [2.0, 2.0, 2.0],
    "channels": ["diff", "absdiff"],
    "fold": 0,
    "strategy": "finetune",
    "seed": 5,
}


@needs_torchvision
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


@needs_torchvision
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


def test_only_the_r3d_module_imports_torchvision_and_only_inside_a_function() -> None:
    importers: dict[str, list[int]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            if any(n.split(".")[0] == "torchvision" for n in names):
                assert id(node) not in top_level, f"{path}: torchvision imported at module level"
                importers.setdefault(path.relative_to(PACKAGE).as_posix(), []).append(node.lineno)
    assert set(importers) == {"models/r3d.py"}, importers


# Records the module that first imports torchvision (MONAI's optional_import does, when it is installed).
SPY = """
import importlib.abc, json, sys
importers = []
class Spy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torchvision":
            frame = sys._getframe(1)
            while frame is not None and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
                frame = frame.f_back
            importers.append(frame.f_globals.get("__name__") if frame else None)
        return None
sys.meta_path.insert(0, Spy())
"""


@needs_torchvision
def test_core_networks_never_import_torchvision_themselves() -> None:
    probe = SPY + (
        "from glioma_change.models import ModelSpec, build_model\n"
        "import glioma_change.training, glioma_change.evaluation\n"
        "build_model(ModelSpec(network='vgg')); build_model(ModelSpec(network='resnext'))\n"
        "print(json.dumps({'loaded': 'torchvision' in sys.modules, 'importers': importers}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300)
    seen = json.loads(out.stdout.splitlines()[-1])
    if seen["loaded"]:  # then MONAI (monai.networks.blocks) brought it, not our code
        assert seen["importers"] and all(str(n).startswith("monai.") for n in seen["importers"]), seen
