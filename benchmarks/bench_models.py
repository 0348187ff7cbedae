"""Training throughput of the change classifiers: samples/s of forward + backward + AdamW step.

Each network runs the same loop as a baseline measured in the same process (one 3×3×3 convolution
with 8 channels, global pooling, a linear logit), so the reported ratios are comparable across
machines. CPU always (float32), once per thread count (1 and all cores by default: on a shared,
oversubscribed machine one thread is often much faster); CUDA when available (bf16 autocast,
channels_last_3d). Writes `benchmarks/results/models.json` and `benchmarks/results/models.md`.

    .venv/bin/python benchmarks/bench_models.py [--size 32] [--batch 8] [--steps 10] [--device cpu cuda]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import time
from pathlib import Path

import torch
from torch import nn

from glioma_change.io import write_text_atomic
from glioma_change.models import ModelSpec, build_model, count_parameters

RESULTS = Path(__file__).resolve().parent / "results"


class Baseline(nn.Module):
    """One 3×3×3 convolution, ReLU, global average pooling, one logit."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(1, 8, 3, padding=1)
        self.fc = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3, 4))).squeeze(1)


def samples_per_second(
    model: nn.Module, device: torch.device, size: int, batch: int, steps: int
) -> tuple[float, float | None]:
    """Training samples/s after two warm-up steps, and the mean GPU utilisation (%) where measurable."""
    cuda = device.type == "cuda"
    fmt = torch.channels_last_3d if cuda else torch.contiguous_format
    model = model.to(device, memory_format=fmt).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 1, size, size, size, generator=gen).to(device).contiguous(memory_format=fmt)
    y = (torch.rand(batch, generator=gen) < 0.5).float().to(device)
    loss_fn = nn.BCEWithLogitsLoss()
    util: list[float] = []

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            logits = model(x)
        loss_fn(logits.float(), y).backward()
        opt.step()

    for _ in range(2):
        step()
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
        if cuda:
            with contextlib.suppress(Exception):  # needs pynvml; absent → not reported
                util.append(float(torch.cuda.utilization(device)))
    if cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return steps * batch / elapsed, (sum(util) / len(util) if util else None)


def run(devices: list[str], threads: list[int], size: int, batch: int, steps: int) -> list[dict[str, object]]:
    """One baseline and one row per network for each device (and each CPU thread count)."""
    rows: list[dict[str, object]] = []
    settings = [(d, n) for d in devices for n in (threads if d == "cpu" else [torch.get_num_threads()])]
    for dev_name, n_threads in settings:
        torch.set_num_threads(n_threads)
        device = torch.device(dev_name)
        torch.manual_seed(0)
        base, _ = samples_per_second(Baseline(), device, size, batch, steps)
        common = {"device": dev_name, "threads": n_threads}
        rows.append(
            {
                **common,
                "model": "baseline (1 conv)",
                "params": count_parameters(Baseline()),
                "samples_per_s": base,
                "ratio": 1.0,
                "gpu_util_pct": None,
            }
        )
        for network in ("vgg", "resnext"):
            torch.manual_seed(0)
            model = build_model(ModelSpec(network=network))
            sps, util = samples_per_second(model, device, size, batch, steps)
            rows.append(
                {
                    **common,
                    "model": network,
                    "params": count_parameters(model),
                    "samples_per_s": sps,
                    "ratio": sps / base,
                    "gpu_util_pct": util,
                }
            )
    return rows


def markdown(rows: list[dict[str, object]], size: int, batch: int) -> str:
    lines = [
        f"Training throughput at {size}³ voxels, batch {batch} (forward + backward + AdamW); ratio = samples/s "
        "relative to the one-convolution baseline of the same device and run.",
        "",
        "| device | threads | model | parameters | samples/s | ratio to baseline | GPU util % |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        util = "" if r["gpu_util_pct"] is None else f"{r['gpu_util_pct']:.0f}"
        lines.append(
            f"| {r['device']} | {r['threads']} | {r['model']} | {r['params']:,} | {r['samples_per_s']:.1f} "
            f"| {r['ratio']:.3f} | {util} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32, help="cubic map size (default: the study default, 32)")
    parser.add_argument("--batch", type=int, default=8, help="batch size")
    parser.add_argument("--steps", type=int, default=10, help="timed optimisation steps per model")
    parser.add_argument("--device", nargs="+", default=None, help="devices (default: cpu, and cuda when present)")
    parser.add_argument(
        "--threads", nargs="+", type=int, default=None, help="CPU thread counts to measure (default: 1 and all cores)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for models.json and models.md")
    args = parser.parse_args()
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    threads = args.threads or sorted({1, os.cpu_count() or 1})
    rows = run(devices, threads, args.size, args.batch, args.steps)
    info = {
        "size": args.size,
        "batch": args.batch,
        "steps": args.steps,
        "torch": torch.__version__,
        "cpu_cores": os.cpu_count(),
        "load_average": os.getloadavg(),
        "machine": platform.processor() or platform.machine(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "results": rows,
    }
    write_text_atomic(json.dumps(info, indent=2) + "\n", args.out / "models.json")
    table = markdown(rows, args.size, args.batch)
    write_text_atomic(table, args.out / "models.md")
    print(table)


if __name__ == "__main__":
    main()
