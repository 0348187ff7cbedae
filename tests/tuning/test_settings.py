"""Studies that know their own settings: a changed configuration is refused with one line; `--seed` only when given."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from glioma_change.errors import ConfigError
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import cli, make_fake_study
from glioma_change.tuning.storage import default_storage, make_storage
from glioma_change.tuning.study import open_study


def _open(study_file: Path, run: Path, *overrides: str) -> optuna.Study:
    config = load_study_config(study_file, list(overrides))
    run.mkdir(exist_ok=True)
    return open_study(config, make_storage(default_storage(run), config))


def test_a_study_refuses_other_settings_and_names_what_changed(tmp_path: Path) -> None:
    study_file = make_fake_study(tmp_path, seed=7)
    run = tmp_path / "run"
    created = _open(study_file, run)
    assert len(created.user_attrs["settings_hash"]) == 16 and created.user_attrs["settings"]["budget.epochs"] == 2
    # what does not change a trial's value may change: the target, the timeout, the repeats of the refit, threads
    _open(study_file, run, "budget.n_trials=9", "budget.timeout_s=60", "folds.repeats=3", "num_threads=2")
    with pytest.raises(ConfigError) as err:
        _open(study_file, run, "budget.epochs=4", "data.input_shape=[8,8,8]")
    message = str(err.value)
    assert "budget.epochs 2 -> 4" in message and "data.input_shape [16, 16, 16] -> [8, 8, 8]" in message
    assert "seed" not in message and "--set study.name=" in message and "\n" not in message
    # changed labels are another study too, even under the same file name
    (tmp_path / "human_labels.csv").write_text(
        (tmp_path / "human_labels.csv").read_text().replace(",1,1.0,", ",0,0.0,", 1)
    )
    with pytest.raises(ConfigError, match="data.human_labels sha256:"):
        _open(study_file, run)
    _open(study_file, run, "study.name=another")  # a new name starts another study


def test_tune_refuses_in_one_line_before_touching_the_run_and_seed_overrides_only_when_given(tmp_path: Path) -> None:
    study_file = make_fake_study(tmp_path, seed=7)
    run = tmp_path / "run"
    _open(study_file, run)
    (run / "config.yaml").write_text("earlier run\n")
    changed = cli("tune", str(study_file), "--out", str(run), "--set", "budget.epochs=3")
    assert changed.returncode == 2 and len(changed.stderr.strip().splitlines()) == 1
    assert "budget.epochs 2 -> 3" in changed.stderr and "seed" not in changed.stderr  # the file's seed 7 is kept
    assert (run / "config.yaml").read_text() == "earlier run\n"
    reseeded = cli("tune", str(study_file), "--out", str(run), "--seed", "0")
    assert reseeded.returncode == 2 and "seed 7 -> 0" in reseeded.stderr
