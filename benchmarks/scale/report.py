"""The Markdown report of `study_scale`."""

from __future__ import annotations

from typing import Any

from scale.project import GOAL_GPU_HOURS


def markdown(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines = [
        f"Study at scale: {s['maps']} synthetic maps from {s['patients']} patients at "
        f"{'×'.join(map(str, s['shape']))} ({s['human_patients']} human-labelled patients; "
        f"scaling to the paper's {s['full_maps']} maps: ×{s['full_maps'] / s['maps']:.1f}). Per run: "
        f"{s['batches']} batches of {s['batch_size']} per epoch and phase, epochs {s['epochs_measured']}. "
        "ratio = training samples/s over the one-convolution baseline of the same device and run.",
        "",
        "| device | network | strategy | compile | train samples/s | ratio | epoch s | first-run overhead s "
        "| eval samples/s | peak GPU MiB | GPU util % |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for dev in result["devices"]:
        for r in dev["rows"]:
            mem = "n/a" if r["peak_mem_mib"] is None else f"{r['peak_mem_mib']:.0f}"
            util = "n/a" if r["gpu_util_pct"] is None else f"{r['gpu_util_pct']:.0f}"
            lines.append(
                f"| {dev['device']} ({dev['threads']} thr) | {r['network']} | {r['strategy']} | "
                f"{r['compile']} | {r['train_samples_per_s']:.1f} | {r['ratio']:.3f} | "
                f"{r['epoch_s']:.2f} | {r['first_run_overhead_s']:.1f} | {r['eval_samples_per_s']:.1f} | {mem} "
                f"| {util} |"
            )
    if result["sharing"]:
        lines += [
            "",
            f"`tune --workers N` on one {result['sharing_device']} device ({result['sharing_note']}):",
            "",
            "| workers | trials | processes that ran trials | trials/h | training samples/s | speed-up over 1 "
            "| steady window s | command wall s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['workers']} | {r['trials']} | {r['distinct_workers']} | {r['trials_per_hour']:.0f} | "
            f"{r['train_samples_per_s']:.1f} | "
            f"{'n/a' if r['speedup_vs_1'] is None else format(r['speedup_vs_1'], '.2f')} | {r['window_s']:.1f} "
            f"| {r['command_wall_s']:.1f} |"
            for r in result["sharing"]
        ]
    else:
        lines += ["", f"Sharing one GPU between trials: {result['sharing_note']}"]
    pr = result["pruning"]
    lines += ["", f"Pruning factor {pr['factor']:.2f} ({pr['source']})."]
    p = result["projection_settings"]
    lines += [
        "",
        f"Projected full study ({p['folds']} folds × {p['trials']} trials per network and strategy × "
        f"{p['epochs']} epochs × pruning factor, cached pre-training of {p['pretrain_epochs']} epochs; fold 0 of "
        f"the paper-sized set: {p['fold_sizes']}):",
        "",
        "| device | compile | hours | hours per fold | with VGG workers sharing | paper (9–16 GPU-days per fold), "
        f"hours | times faster | speed-up needed for {GOAL_GPU_HOURS:.0f} h | training samples/s needed |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pj in result["projections"]:
        shared = (
            "n/a"
            if pj["hours_with_vgg_sharing"] is None
            else (f"{pj['hours_with_vgg_sharing']:.1f} (×{pj['vgg_sharing_speedup']:.2f} on VGG)")
        )
        lines.append(
            f"| {pj['device']} | {pj['compile']} | {pj['hours']:.1f} | "
            f"{pj['hours_per_fold']:.1f} | {shared} | {pj['paper_hours'][0]:.0f}–{pj['paper_hours'][1]:.0f} | "
            f"{pj['speedup_vs_paper'][0]:.1f}–{pj['speedup_vs_paper'][1]:.1f} | "
            f"{pj['speedup_needed_for_goal']:.1f} | {pj['train_samples_per_s_needed_for_goal']:.0f} |"
        )
    return "\n".join(lines) + "\n"
