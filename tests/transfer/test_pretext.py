"""Self-supervised pre-training: reads no label, only training patients' maps, deterministic."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from glioma_change.data import MapBank, join_maps_labels
from glioma_change.models import ModelSpec, build_model
from glioma_change.testing.study import make_fake_study
from glioma_change.testing.transfer import blob_maps
from glioma_change.transfer import PretextSettings, pretext_pair_ids, pretrain_self_supervised

SPEC = ModelSpec(network="vgg", width=0.25)
QUICK = PretextSettings(pretext="transform", epochs=2, lr=1e-2, batch_size=8)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, MapBank, list[str]]:
    root = tmp_path_factory.mktemp("pretext")
    make_fake_study(root, n_patients=8, n_human=5, pairs_per_patient=3, size=16)
    df = join_maps_labels(
        root / "maps" / "manifest.csv", root / "human_labels.csv", root / "weak_labels.csv", threshold=0.5
    )
    train_patients = ["P000", "P001", "P002", "P005", "P006", "P007"]
    return df, MapBank(df, (16, 16, 16)), train_patients


Study = tuple[pd.DataFrame, MapBank, list[str]]


def _pretrain(
    df: pd.DataFrame, bank: MapBank, train_patients: list[str], seed: int = 0, settings: PretextSettings = QUICK
) -> dict[str, torch.Tensor]:
    return pretrain_self_supervised(SPEC, bank, settings, seed, pair_ids=pretext_pair_ids(df, train_patients))


def test_pretext_reads_no_label(study: Study) -> None:
    df, bank, train_patients = study
    reference = _pretrain(df, bank, train_patients)
    gen = np.random.default_rng(1)
    scrambled = df.copy()
    scrambled["label"] = gen.integers(0, 2, len(df))
    scrambled["weak_prob"] = gen.random(len(df))
    scrambled["source"] = gen.choice(["human", "weak"], len(df))
    scrambled = scrambled.sample(frac=1.0, random_state=2)  # row order is no signal either
    again = _pretrain(scrambled, bank, train_patients)
    assert reference.keys() == again.keys()
    assert all(torch.equal(reference[k], again[k]) for k in reference)
    untrained = _pretrain(df, bank, train_patients, settings=replace(QUICK, epochs=0))
    assert not torch.equal(reference["0.weight"], untrained["0.weight"])  # it did train


def test_pretext_maps_are_the_training_patients_maps_only(study: Study) -> None:
    df, _, train_patients = study
    ids = pretext_pair_ids(df, train_patients)
    chosen = df[df["pair_id"].isin(ids)]
    assert set(chosen["patient_id"]) == set(train_patients)
    assert set(chosen["source"]) == {"human", "weak"}  # labelled or not, every training map
    assert len(ids) == int(df["patient_id"].isin(train_patients).sum())


def test_pretext_is_seeded(study: Study) -> None:
    df, bank, train_patients = study
    a, b = _pretrain(df, bank, train_patients, seed=3), _pretrain(df, bank, train_patients, seed=4)
    assert not torch.equal(a["0.weight"], b["0.weight"])


@pytest.mark.parametrize("pretext", ["masked", "contrastive"])
def test_other_pretexts_train_the_features(pretext: str) -> None:
    x, _ = blob_maps(8, seed=0)
    settings = PretextSettings(pretext=pretext, epochs=1, lr=1e-2, batch_size=4)
    state = pretrain_self_supervised(SPEC, x, settings, seed=0)
    model = build_model(SPEC)
    model.features.load_state_dict(state)
    assert all(torch.isfinite(v).all() for v in state.values())
    assert torch.equal(state["0.weight"], pretrain_self_supervised(SPEC, x, settings, seed=0)["0.weight"])


def test_bad_pretext_inputs_are_refused() -> None:
    x, _ = blob_maps(4, seed=0)
    with pytest.raises(ValueError, match="unknown pretext"):
        pretrain_self_supervised(SPEC, x, PretextSettings(pretext="jigsaw"), seed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2"):
        pretrain_self_supervised(SPEC, x[:1], QUICK, seed=0)


def test_max_batches_caps_an_epoch() -> None:
    x, _ = blob_maps(8, seed=0)
    full = PretextSettings(pretext="transform", epochs=1, lr=1e-2, batch_size=4)
    weights = {
        n: pretrain_self_supervised(SPEC, x, replace(full, max_batches=n), seed=0)["0.weight"] for n in (None, 1, 2)
    }
    assert torch.equal(weights[None], weights[2]) and not torch.equal(weights[None], weights[1])
