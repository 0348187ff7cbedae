"""docs/api.md runs: its python blocks are executed in order on tiny synthetic files named as on the page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
import SimpleITK as sitk
import torch

from glioma_change.api import DiffMap, load_run
from glioma_change.data import MapBank
from glioma_change.errors import InputError
from glioma_change.testing.brats import Case, stripped_session
from glioma_change.testing.evaluation import make_fake_run
from glioma_change.testing.reports import hand_written

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    hand_written("en").head(6)[["patient_id", "comparative_date", "exam_date", "report_text"]].to_csv(
        tmp_path / "reports.csv", index=False
    )
    for name, case in (("earlier", Case("HGG", "1", "0100")), ("later", Case("HGG", "1", "0200", 12.0, 2.0))):
        sitk.WriteImage(stripped_session(case, seed=len(name)), str(tmp_path / f"{name}.nii.gz"))
    make_fake_run(tmp_path, n_patients=8, n_folds=2)  # writes tmp_path/run (and tmp_path/maps, unused here)
    return tmp_path


def test_api_doc_examples_run(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    namespace: dict[str, object] = {}
    cwd = Path.cwd()
    os.chdir(workspace)
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"{DOC.name} block {i + 1}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    labels = namespace["labels"]
    assert isinstance(labels, pd.DataFrame) and len(labels) == 6
    assert (workspace / "pair_maps" / "sub-01_ses-0100_vs_ses-0200_T2wdiff.nii.gz").is_file()
    assert 0.0 <= namespace["p"] <= 1.0
    assert "P(unstable) = " in capsys.readouterr().out


def test_a_hand_built_map_bank_fails_clearly_and_the_api_matches_it(workspace: Path) -> None:
    maps = pd.read_csv(workspace / "maps" / "manifest.csv").head(3)
    maps["diff_path"] = [str(workspace / "maps" / p) for p in maps["diff_path"]]
    with pytest.raises(InputError, match="lacks column.*absdiff_path"):
        MapBank(maps.drop(columns="absdiff_path"), (12, 12, 12), ("diff", "absdiff"))
    bank = MapBank(maps, (12, 12, 12))
    ensemble = load_run(workspace / "run", model="vgg/mixed")
    fold, net, *_ = ensemble.members[0]
    with torch.no_grad():
        from_bank = torch.sigmoid(net(bank.stack(list(maps["pair_id"])).float())).flatten()
    from_api = [ensemble.predict_folds(DiffMap.load(p))[fold] for p in maps["diff_path"]]
    assert torch.allclose(from_bank, torch.tensor(from_api), atol=1e-6)
