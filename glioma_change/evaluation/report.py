"""One self-contained HTML report per run: the verdict first, then tables, inlined PNG figures, configuration.

Images are embedded as base64 `data:` URIs and the style sheet is inline, so the file reads offline and can
be mailed as is. Only metrics, identifiers, configuration and versions go in; never report text.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glioma_change.evaluation.verdict import Verdict, has_lead, lead_auc, strategy_order
from glioma_change.io import write_text_atomic

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;
color:#222;line-height:1.4;padding:0 1em}
h1{border-bottom:2px solid #446;padding-bottom:.2em}h2{margin-top:2em;color:#334}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#eef}
td:first-child,th:first-child{text-align:left}tr:nth-child(even){background:#f8f8fb}
figure{display:inline-block;margin:.5em 1em 1em 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.85em;color:#555;max-width:640px}
pre{background:#f5f5f5;padding:.8em;overflow-x:auto;font-size:.85em}.note{color:#555;font-size:.9em}
.warn{background:#fff4e0;border-left:4px solid #e90;padding:.5em 1em}
.verdict{background:#eef6ee;border-left:5px solid #393;padding:.6em 1.2em;font-size:1.05em}
.verdict p{font-weight:600;margin:.3em 0}.verdict li{margin:.2em 0}
"""


RUN_METRICS_NOTE = (
    "Cross-validation rows pool every outer fold's test pairs (repeat 0: the folds tuning used). 95 % CIs resample patients "
    "(all pairs of a patient together). Sensitivity, specificity, PPV and NPV use each fold's Youden "
    "threshold chosen on its validation patients (external sets: the mean of the folds' thresholds). "
    "External rows score each pair with the fold models' averaged probability; fold AUC mean ± SD is "
    "over the single-fold models."
)


@dataclass
class Figure:
    """A PNG file and the caption shown under it."""

    path: Path
    caption: str


@dataclass
class ReportContent:
    """Everything the report shows, gathered by `evaluate_run`."""

    title: str
    run_dir: Path
    seed: int
    n_boot: int
    metrics: pd.DataFrame
    comparisons: pd.DataFrame
    strategies: pd.DataFrame | None = None
    verdict: Verdict | None = None
    lead_figures: list[Figure] = field(default_factory=list)
    figures: dict[str, list[Figure]] = field(default_factory=dict)
    qc: list[Figure] = field(default_factory=list)
    missing: pd.DataFrame | None = None
    config_text: str = ""
    run_info: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    metrics_note: str = ""  # replaces the run's metrics note (e.g. for predictions made elsewhere)
    comparison_heading: str = "Strategies compared with their network's baseline (pooled predictions)"


def _fmt(value: object, digits: int = 3) -> str:
    if isinstance(value, float | np.floating):
        return "–" if not np.isfinite(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _ci(est: float, low: float, high: float) -> str:
    if not np.isfinite(est):
        return "–"
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{est:.3f}"
    return f"{est:.3f} [{low:.3f}, {high:.3f}]"


def metrics_display(metrics: pd.DataFrame) -> pd.DataFrame:
    """The metrics table as shown: AUC with CI, fold mean ± SD, operating point at the validation threshold."""
    return pd.DataFrame(
        {
            "model": metrics["model"],
            "network / strategy": metrics["network"].astype(str) + " / " + metrics["strategy"].astype(str),
            "pairs (patients)": [
                f"{int(n)} ({int(p)})" for n, p in zip(metrics["n_pairs"], metrics["n_patients"], strict=True)
            ],
            "unstable": metrics["n_unstable"].astype(int),
            "ROC AUC [95 % CI]": [_ci(*r) for r in metrics[["auc", "auc_low", "auc_high"]].itertuples(index=False)],
            "fold AUC mean ± SD": [
                "–" if not np.isfinite(m) else (f"{m:.3f} ± {s:.3f}" if np.isfinite(s) else f"{m:.3f}")
                for m, s in zip(metrics["fold_auc_mean"], metrics["fold_auc_sd"], strict=True)
            ],
            "avg precision": metrics["average_precision"],
            "Brier": metrics["brier"],
            "threshold (val)": metrics["threshold"],
            "sensitivity": metrics["sensitivity"],
            "specificity": metrics["specificity"],
            "PPV": metrics["ppv"],
            "NPV": metrics["npv"],
        }
    )


def comparisons_display(comparisons: pd.DataFrame) -> pd.DataFrame:
    """Strategy-vs-baseline table as shown: AUCs, difference with bootstrap CI, DeLong and bootstrap p-values."""
    return pd.DataFrame(
        {
            "set": comparisons["set"],
            "model": comparisons["model"],
            "vs": comparisons["reference"],
            "pairs": comparisons["n_pairs"].astype(int),
            "AUC": comparisons["auc"],
            "AUC (reference)": comparisons["auc_reference"],
            "ΔAUC [95 % CI, paired bootstrap]": [
                _ci(*r) for r in comparisons[["difference", "bootstrap_low", "bootstrap_high"]].itertuples(index=False)
            ],
            "DeLong p": comparisons["delong_p"],
            "bootstrap p": comparisons["bootstrap_p"],
        }
    )


def compact_table(table: pd.DataFrame) -> str:
    """Strategy × network HTML table of the lead AUC (mean ± SD); each network's best strategy in bold."""
    lead = lead_auc(table)
    cells = table.assign(_auc=lead.mean, _sd=lead.sd)
    networks = list(dict.fromkeys(cells.sort_values("_auc", ascending=False)["network"]))
    strategies = sorted(dict.fromkeys(cells["strategy"]), key=strategy_order)
    best = cells.loc[cells.groupby("network")["_auc"].idxmax().dropna()]
    bold = set(zip(best["network"], best["strategy"], strict=True))
    head = "<th>strategy</th>" + "".join(f"<th>{html.escape(str(n))}</th>" for n in networks)
    body = []
    for strategy in strategies:
        tds = []
        for network in networks:
            row = cells[(cells["network"] == network) & (cells["strategy"] == strategy)]
            if row.empty or not np.isfinite(row["_auc"].iloc[0]):
                tds.append("<td>–</td>")
                continue
            mean, sd = float(row["_auc"].iloc[0]), float(row["_sd"].iloc[0])
            text = f"{mean:.3f} ± {sd:.3f}" if np.isfinite(sd) else f"{mean:.3f}"
            tds.append(f"<td><b>{text}</b></td>" if (network, strategy) in bold else f"<td>{text}</td>")
        body.append(f"<tr><td>{html.escape(str(strategy))}</td>{''.join(tds)}</tr>")
    caption = f"<p class='note'>{html.escape(lead.label)}; bold: the network's best strategy.</p>"
    return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _pm_column(table: pd.DataFrame, mean: str, sd: str) -> list[str]:
    return [
        "–" if not np.isfinite(m) else (f"{m:.3f} ± {s:.3f}" if np.isfinite(s) else f"{m:.3f}")
        for m, s in zip(table[mean].astype(float), table[sd].astype(float), strict=True)
    ]


def strategies_display(table: pd.DataFrame) -> pd.DataFrame:
    """The strategy table as shown: repeat mean ± SD and fold-averaged test AUC (when the table has them), the
    gain over baseline, the pooled AUC with CI, DeLong and Nadeau–Bengio p, and where each refit came from."""
    shown = {
        "network": table["network"],
        "strategy": table["strategy"],
        "test pairs": table["n_test_pairs"].astype(int),
    }
    if "test_auc_mean" in table:
        shown["repeats"] = table["n_repeats"]
        shown["test AUC mean ± SD (repeats)"] = _pm_column(table, "test_auc_mean", "test_auc_sd")
    if "fold_mean_auc" in table:
        shown["fold-averaged AUC"] = table["fold_mean_auc"]
    if "gain_vs_baseline_mean" in table:
        shown["gain vs baseline ± SD"] = _pm_column(table, "gain_vs_baseline_mean", "gain_vs_baseline_sd")
        shown["repeats with a gain"] = table["gain_positive_share"]
        shown["Nadeau–Bengio p vs baseline"] = table["nb_p_vs_baseline"]
    shown["pooled test AUC [95 % CI]"] = [
        _ci(*r)
        for r in table[["pooled_test_auc", "pooled_test_auc_low", "pooled_test_auc_high"]].itertuples(index=False)
    ]
    shown["DeLong p vs baseline"] = table["delong_p_vs_baseline"]
    shown["DeLong p vs mixed"] = table["delong_p_vs_mixed"]
    if "refit_source" in table:
        shown["refit from"] = table["refit_source"].fillna("")
    return pd.DataFrame(shown)


def verdict_html(verdict: Verdict) -> str:
    """The verdict box: the headline, then one item per supporting sentence."""
    items = "".join(f"<li>{html.escape(d)}</li>" for d in verdict.details)
    return f"<div class='verdict' id='verdict'><p>{html.escape(verdict.headline)}</p><ul>{items}</ul></div>"


def _img(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(Path(path).stem)}">'


def _figure(fig: Figure) -> str:
    return f"<figure>{_img(fig.path)}<figcaption>{html.escape(fig.caption)}</figcaption></figure>"


def _answer(content: ReportContent) -> list[str]:
    """What the reader came for: the verdict, the strategy × network table and its chart."""
    parts = []
    if content.verdict is not None:
        parts += ["<h2>Verdict</h2>", verdict_html(content.verdict)]
    if content.strategies is not None and has_lead(content.strategies):
        parts += ["<h2>Strategy × network</h2>", compact_table(content.strategies)]
    return parts + [_figure(f) for f in content.lead_figures]


def _details(content: ReportContent) -> list[str]:
    """The full strategy table, the pooled metrics and the paired comparisons."""
    parts = []
    if content.strategies is not None and len(content.strategies):
        parts += [
            "<h2>Strategy table</h2>",
            "<p class='note'>Per network and strategy: the test AUC of each repeat of the outer cross-validation "
            "(mean ± SD), the fold-averaged AUC, the gain over the same network's baseline with the Nadeau–Bengio "
            "corrected resampled t-test, and the AUC of all folds' test pairs of repeat 0 pooled, with DeLong's test "
            "against the same network's baseline and mixed models on the same test pairs.</p>",
            _table(strategies_display(content.strategies)),
        ]
    parts += [
        "<h2>Metrics (pooled over folds)</h2>",
        f"<p class='note'>{html.escape(content.metrics_note or RUN_METRICS_NOTE)}</p>",
    ]
    for name, group in content.metrics.groupby("set", sort=False):
        parts += [f"<h3>{html.escape(str(name))}</h3>", _table(metrics_display(group))]
    if content.missing is not None and len(content.missing):
        parts += [
            "<h2>External pairs without a usable map</h2>",
            f"<p class='warn'>{len(content.missing)} labelled external pair(s) could not be scored and are "
            "not in the external metrics.</p>",
            _table(content.missing),
        ]
    parts.append(f"<h2>{html.escape(content.comparison_heading)}</h2>")
    if len(content.comparisons):
        parts += [
            "<p class='note'>Paired on the same pairs: DeLong's test for correlated ROC curves and a "
            "patient-level paired bootstrap of the AUC difference.</p>",
            _table(comparisons_display(content.comparisons)),
        ]
    else:
        parts.append("<p class='note'>No baseline model in this run to compare with.</p>")
    return parts


def render(content: ReportContent) -> str:
    """The report as one HTML string: the answer first, then figures, details, configuration, provenance."""
    parts = [f"<h1>{html.escape(content.title)}</h1>", *_answer(content)]
    parts.append(
        f"<p class='note'>Run directory <code>{html.escape(str(content.run_dir))}</code>; evaluated "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}; evaluation seed {content.seed}; "
        f"{content.n_boot} patient-level bootstrap resamples.</p>"
    )
    for section, figures in content.figures.items():
        if figures:
            parts += [f"<h2>{html.escape(section)}</h2>", *(_figure(f) for f in figures)]
    parts += _details(content)
    if content.qc:
        parts += ["<h2>Registration QC montages</h2>", *(_figure(f) for f in content.qc)]
    parts += [
        "<h2>Configuration (resolved)</h2>",
        f"<pre>{html.escape(content.config_text or 'no config.yaml in the run directory')}</pre>",
        "<h2>Provenance</h2>",
        f"<p>Training seed: {html.escape(str(content.run_info.get('seed', 'unknown')))}; evaluation seed: {content.seed}.</p>",
        "<h3>Package versions (training run)</h3>",
        _table(
            pd.DataFrame(sorted(dict(content.run_info.get("versions", {})).items()), columns=["package", "version"])
        ),
        "<h3>Package versions (evaluation)</h3>",
        _table(pd.DataFrame(sorted(content.versions.items()), columns=["package", "version"])),
        "<h3>run_info.json</h3>",
        f"<pre>{html.escape(json.dumps(content.run_info, indent=2, default=str))}</pre>",
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(content.title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


def write_report(content: ReportContent, path: str | os.PathLike[str]) -> Path:
    """Write the self-contained HTML report atomically and return its path."""
    return write_text_atomic(render(content), path)
