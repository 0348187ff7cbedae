"""The study-scale benchmark keeps running: `--smoke` end to end, and the paper-sized design it projects."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from glioma_change.progress import set_enabled

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "study_scale.py"


def _module():
    if str(SCRIPT.parent) not in sys.path:  # its parts (`benchmarks/scale/`) import as they do when run as a script
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("study_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("scale")
    sharing = ["--share", "1", "2", "--share-device", "cpu", "--share-trials", "5", "--share-epochs", "12"]
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", *sharing, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "study_scale.json").read_text()), (out / "study_scale.md").read_text()


def test_smoke_measures_every_network_and_strategy(smoke: tuple[dict, str]) -> None:
    result, _ = smoke
    cpu = next(d for d in result["devices"] if d["device"] == "cpu")
    assert cpu["maps"] == result["settings"]["maps"] == 30
    measured = {(r["network"], r["strategy"]) for r in cpu["rows"]}
    expected = {(n, s) for n in ("vgg", "resnext") for s in ("baseline", "mixed", "finetune")}
    assert expected | {("baseline (1 conv)", "mixed")} == measured
    for row in cpu["rows"]:
        assert row["train_samples_per_s"] > 0 and row["eval_samples_per_s"] > 0 and row["ratio"] > 0
        assert row["epoch_s"] > 0 and row["first_run_overhead_s"] >= 0 and row["run_overhead_s"] >= 0
        assert row["peak_mem_mib"] is None and row["gpu_util_pct"] is None  # CPU rows carry no GPU figures
    assert result["gpu_figures_owed"] is not torch.cuda.is_available()


def test_smoke_shares_one_device_between_tune_workers(smoke: tuple[dict, str]) -> None:
    result, table = smoke
    rows = result["sharing"]
    assert [r["workers"] for r in rows] == [1, 2]
    for row in rows:
        assert row["trials"] == 5 * row["workers"]
        assert row["distinct_workers"] == row["workers"]  # every process of `tune --workers N` ran trials
        assert row["trials_per_hour"] > 0 and row["window_s"] > 0 and row["train_samples_per_s"] > 0
    assert rows[0]["speedup_vs_1"] == 1.0 and rows[1]["speedup_vs_1"] > 0
    cpu = next(p for p in result["projections"] if p["device"] == "cpu")
    assert cpu["vgg_sharing_speedup"] == max(1.0, rows[1]["speedup_vs_1"])
    vgg = sum(c["hours"] for c in cpu["combinations"] if c["network"] == "vgg")
    assert cpu["hours_with_vgg_sharing"] == pytest.approx(cpu["hours"] - vgg + vgg / cpu["vgg_sharing_speedup"])
    assert "`tune --workers N` on one cpu device" in table


class _Trial:
    def __init__(self, worker: str, start: float, end: float) -> None:
        self.user_attrs = {"worker": worker}
        self.datetime_start, self.datetime_complete = (dt.datetime.fromtimestamp(t, dt.UTC) for t in (start, end))


def test_steady_trial_rate_counts_only_the_time_all_workers_ran_past_their_first_trial() -> None:
    scale = _module()
    # a: 0-10, 10-20, 20-40 s; b joins late: 12-20, 20-30 s. Window: b's first end (20 s) to b's last end (30 s)
    trials = [_Trial("a", 0, 10), _Trial("a", 10, 20), _Trial("a", 20, 40), _Trial("b", 12, 20), _Trial("b", 20, 30)]
    rate, window = scale.steady_trial_rate(trials, workers=2)
    assert window == pytest.approx(10.0)
    assert rate == pytest.approx((0.5 + 1.0) / 10.0)  # half of a's last trial and all of b's last one
    alone = [_Trial("a", 0, 10), _Trial("a", 10, 30)]
    assert scale.steady_trial_rate(alone, workers=1) == pytest.approx((1 / 20.0, 20.0))
    with pytest.raises(RuntimeError, match="1 of 2 workers"):
        scale.steady_trial_rate(alone, workers=2)
    with pytest.raises(RuntimeError, match="first trial"):
        scale.steady_trial_rate([_Trial("a", 0, 10)], workers=1)


def test_smoke_projects_the_full_study(smoke: tuple[dict, str]) -> None:
    result, table = smoke
    assert 0 < result["pruning"]["factor"] <= 1
    sizes = result["projection_settings"]["fold_sizes"]
    assert sizes["human_train"] > 0 and sizes["weak_train"] > 0 and sizes["val"] > 0 and sizes["test"] > 0
    cpu = next(p for p in result["projections"] if p["device"] == "cpu")
    strategies = {c["strategy"] for c in cpu["combinations"]}
    assert strategies == {"baseline", "mixed", "finetune", "feature_extract"}
    assert cpu["hours"] > 0 and cpu["hours_per_fold"] == pytest.approx(cpu["hours"] / 5)
    assert cpu["hours"] == pytest.approx(sum(c["hours"] for c in cpu["combinations"]), rel=0.05)
    assert "| cpu (1 thr) | vgg | mixed | off |" in table and "Projected full study" in table


def test_paper_sized_design_has_the_requested_maps_patients_and_folds() -> None:
    scale = _module()
    design = scale.Design(maps=1700, patients=180, shape=(32, 32, 32), human_patients=60)
    manifest, human, weak = scale.label_tables(design)
    assert len(manifest) == len(weak) == 1700 and manifest["pair_id"].is_unique
    assert manifest["patient_id"].nunique() == 180
    assert human["patient_id"].nunique() == 60
    sizes = scale.fold_sizes(design, threshold=0.75)
    # fold 0: human pairs split into train/val/test; weak rows only from the other 120 patients
    assert sizes["human_train"] + sizes["val"] + sizes["test"] == len(human)
    assert 0 < sizes["weak_train"] <= 1700 - len(human)
    assert sizes["test"] == pytest.approx(len(human) / 5, rel=0.35)


def test_reprojection_scales_with_trials_and_shares_cached_pretraining(smoke: tuple[dict, str], tmp_path: Path) -> None:
    scale = _module()
    measured = tmp_path / "measured.json"
    measured.write_text(json.dumps(smoke[0]))
    totals = {}
    for trials in (10, 20):
        out = tmp_path / str(trials)
        try:
            scale.main(["--project-from", str(measured), "--trials", str(trials), "--out", str(out)])
        finally:
            set_enabled(True)  # main() silences progress bars process-wide
        result = json.loads((out / "study_scale.json").read_text())
        assert result["devices"] == smoke[0]["devices"]  # nothing re-measured
        totals[trials] = next(p for p in result["projections"] if p["device"] == "cpu")["train_samples_total"]
    # trial epochs double; the cached pre-trainings (8 distinct keys per network and fold) do not
    assert totals[10] < totals[20] < 2 * totals[10]
