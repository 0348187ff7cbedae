"""Transfer strategies read no validation or test patient's map to pre-train, teach or pseudo-label; pretext reads no label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from glioma_change.study_config import load_study_config
from glioma_change.testing.study import make_fake_study
from glioma_change.training import strategies
from glioma_change.training.loop import Samples
from glioma_change.training.params import TrainParams
from glioma_change.training.runtime import Runtime
from glioma_change.training.study_data import StudyData
from glioma_change.transfer import pseudo
from glioma_change.tuning.fold_runs import model_spec, run_fold

PRETRAINING = ["finetune", "feature_extract", "finetune_grow", "meanvar_init"]


@pytest.fixture(scope="module")
def study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return make_fake_study(
        tmp_path_factory.mktemp("fake"), n_patients=14, n_human=9, folds={"n_folds": 3, "val_fraction": 0.3}
    )


@pytest.fixture(scope="module")
def study(study_file: Path) -> StudyData:
    return StudyData(load_study_config(study_file))


class Reads:
    """Patients whose maps each stage received, found from the maps themselves (byte lookup) or pair ids."""

    def __init__(self, study: StudyData) -> None:
        rows = study.all_rows
        self.by_pair = dict(zip(rows["pair_id"], rows["patient_id"], strict=True))
        self.by_map = {study.bank.stack([p]).numpy().tobytes(): pat for p, pat in self.by_pair.items()}
        self.stages: dict[str, set[str]] = {"fit": set(), "pretext": set(), "pseudo": set()}

    def maps(self, stage: str, x: torch.Tensor | Samples) -> None:
        x = x.inputs() if isinstance(x, Samples) else x
        self.stages[stage] |= {self.by_map[m.numpy().tobytes()] for m in x.to(torch.float16).split(1)}

    def pairs(self, stage: str, pair_ids: object) -> None:
        self.stages[stage] |= {self.by_pair[p] for p in pair_ids}


@pytest.fixture
def reads(study: StudyData, monkeypatch: pytest.MonkeyPatch) -> Reads:
    seen = Reads(study)
    fit, pretext, label = strategies.fit, strategies.pretrain_self_supervised, pseudo.pseudo_labels

    def spy_fit(model, train, *a, **k):  # type: ignore[no-untyped-def]
        seen.maps("fit", train)  # training inputs of every (pre-)training, teacher and student
        return fit(model, train, *a, **k)

    def spy_pretext(spec, maps, settings, seed, pair_ids=None, **k):  # type: ignore[no-untyped-def]
        seen.pairs("pretext", pair_ids)
        return pretext(spec, maps, settings, seed, pair_ids=pair_ids, **k)

    def spy_pseudo(teacher, maps, pair_ids, allowed, **k):  # type: ignore[no-untyped-def]
        seen.pairs("pseudo", pair_ids)
        seen.maps("pseudo", maps)
        return label(teacher, maps, pair_ids, allowed, **k)

    monkeypatch.setattr(strategies, "fit", spy_fit)
    monkeypatch.setattr(strategies, "pretrain_self_supervised", spy_pretext)
    monkeypatch.setattr(pseudo, "pseudo_labels", spy_pseudo)
    return seen


@pytest.mark.parametrize(
    ("strategy", "extra"),
    [
        *((s, {"source_task": "both"}) for s in PRETRAINING),
        ("teacher_student", {"rounds": 2, "fuse_weight": 0.5}),
    ],
)
def test_no_stage_reads_a_held_out_patients_map(study: StudyData, reads: Reads, strategy: str, extra: dict) -> None:
    params = TrainParams(network="vgg", strategy=strategy, width=0.25, weak_threshold=0.75, **extra)
    for fold in study.folds:
        for stage in reads.stages.values():
            stage.clear()
        run_fold(study.config, study, params, fold.index, Runtime.create("cpu"), None)
        held_out = set(fold.val_patients) | set(fold.test_patients)
        used = {k: v for k, v in reads.stages.items() if v}
        assert set(used) == ({"fit", "pseudo"} if strategy == "teacher_student" else {"fit", "pretext"})
        for stage, patients in used.items():
            assert not patients & held_out, (strategy, fold.index, stage)
            assert patients <= set(fold.train_patients)
        weak_only = set(study.all_rows["patient_id"]) - set(
            study.all_rows.loc[study.all_rows["source"] == "human", "patient_id"]
        )
        assert used["pretext" if "pretext" in used else "pseudo"] & weak_only  # the check is not vacuous


def _scrambled(path: Path, out: Path, seed: int) -> Path:
    df = pd.read_csv(path, dtype={"patient_id": str})
    gen = np.random.default_rng(seed)
    for col in ("global_label", "t2_label"):
        df[col] = gen.integers(0, 2, len(df))
    for col in ("global_prob", "t2_prob"):
        df[col] = gen.random(len(df))
    df["source"] = gen.choice(["human", "rules", "classifier"], len(df))
    df.sample(frac=1.0, random_state=seed).to_csv(out, index=False)
    return out


def test_self_supervised_pretraining_reads_no_label(study: StudyData, study_file: Path, tmp_path: Path) -> None:
    human = _scrambled(study.config.data.human_labels, tmp_path / "human.csv", 1)
    weak = _scrambled(study.config.data.weak_labels, tmp_path / "weak.csv", 2)
    config = load_study_config(study_file, [f"data.human_labels={human}", f"data.weak_labels={weak}"])
    scrambled = StudyData(config)
    assert not scrambled.frame(0.75)["label"].equals(study.frame(0.75)["label"])
    scrambled.folds = study.folds  # the same fold (scrambled labels would re-stratify the folds)
    params = TrainParams(network="vgg", strategy="finetune", width=0.25, source_task="self_supervised")
    runtime = Runtime.create("cpu")
    states = []
    for data in (study, scrambled):
        fold = data.fold(1, params.weak_threshold)
        ctx = strategies.StrategyContext(fold, params, model_spec(params, config), config.budget, runtime, config.seed)
        states.append((fold.pretext_fingerprint, strategies.pretrained_model(ctx).state_dict()))
    (key_a, a), (key_b, b) = states
    assert key_a == key_b and a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    fresh = (
        strategies.StrategyContext(
            study.fold(1, 0.75), params, model_spec(params, config), config.budget, runtime, config.seed
        )
        .new_model("pretrain")
        .state_dict()
    )
    assert not torch.equal(a["features.0.weight"], fresh["features.0.weight"])  # it did pre-train
