"""RunLayout: repeat 0 keeps the single-CV model paths; later repeats sit apart and `checkpoints` lists repeat 0."""

from __future__ import annotations

from pathlib import Path

from glioma_change.run_layout import RunLayout, model_of_checkpoint


def test_repeat_paths_and_the_checkpoints_evaluation_reads(tmp_path: Path) -> None:
    layout = RunLayout.of(tmp_path)
    assert layout.checkpoint(1, "vgg", "mixed") == tmp_path / "models" / "fold-1" / "vgg-mixed.pt"
    assert layout.checkpoint(1, "vgg", "mixed", repeat=0) == layout.checkpoint(1, "vgg", "mixed")
    assert (
        layout.checkpoint(1, "vgg", "mixed", repeat=2) == tmp_path / "models" / "repeat-2" / "fold-1" / "vgg-mixed.pt"
    )
    assert layout.best_checkpoint(0, repeat=1) == tmp_path / "models" / "repeat-1" / "fold-0" / "best.pt"
    for path in (
        layout.checkpoint(0, "vgg", "mixed"),
        layout.best_checkpoint(1),
        layout.checkpoint(0, "vgg", "mixed", 1),
        layout.best_checkpoint(1, 1),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    found = layout.checkpoints()
    assert [(fold, model_of_checkpoint(p.stem)) for fold, p in found] == [(0, "vgg/mixed"), (1, "best")]
