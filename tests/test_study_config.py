"""Study files: validation, path resolution and one-line errors (exit 2) for bad configurations."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from glioma_change.errors import ConfigError
from glioma_change.study_config import load_study_config
from glioma_change.testing.study import cli, make_fake_study

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fake_study(tmp_path_factory.mktemp("fake"), n_patients=4, n_human=2)


def test_paths_resolve_against_the_study_file(
    study_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_study_config(study_file, ["budget.epochs=7", "search.lr=[0.001, 0.01]"])
    assert config.data.manifest == (study_file.parent / "maps" / "manifest.csv").resolve()
    assert config.budget.epochs == 7 and config.search.lr == (0.001, 0.01)


def test_example_study_file_is_valid(tmp_path: Path) -> None:
    example = yaml.safe_load((ROOT / "data" / "study_example.yaml").read_text())
    fake = make_fake_study(tmp_path)
    example["data"].update(yaml.safe_load(fake.read_text())["data"])
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(example))
    config = load_study_config(path)
    assert set(config.search.strategies) == {"baseline", "mixed", "finetune", "feature_extract"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("budget.epochz=3", "unknown key 'budget.epochz'"),
        ("budget.epochs=many", "key 'budget.epochs'"),
        ("search.strategies=[baseline, magic]", "unknown strategy 'magic'"),
        ("data.weak_labels=missing.csv", "file not found"),
        ("study.grace_period_s=1", "grace_period_s"),
    ],
)
def test_bad_configuration_raises_config_error(study_file: Path, override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_study_config(study_file, [override])


def test_unknown_set_key_is_blamed_on_set_with_the_closest_key(study_file: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_study_config(study_file, ["budget.epochz=3"])
    assert str(info.value) == "--set: unknown key 'budget.epochz' (did you mean 'budget.epochs'?)"


def test_unknown_key_in_the_file_is_blamed_on_the_file(study_file: Path) -> None:
    data = yaml.safe_load(study_file.read_text())
    data["folds"]["n_fold"] = 3
    path = study_file.with_name("typo.yaml")  # beside the shared study file (same relative data paths)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_study_config(path)
    assert str(info.value) == f"{path}: unknown key 'folds.n_fold' (did you mean 'folds.n_folds'?)"


@pytest.mark.parametrize("command", ["tune", "train"])
def test_bad_configuration_exits_2_with_one_line(study_file: Path, tmp_path: Path, command: str) -> None:
    extra = ["--params", "best"] if command == "train" else []
    result = cli(command, str(study_file), "--set", "budget.patience=-1", "--out", str(tmp_path / "run"), *extra)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "budget.patience" in lines[0]
    assert not (tmp_path / "run").exists()


def test_missing_study_file_exits_2(tmp_path: Path) -> None:
    result = cli("tune", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "configuration file not found" in result.stderr
