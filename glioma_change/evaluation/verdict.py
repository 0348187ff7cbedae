"""The study's answer in plain words and numbers, read from the strategy table.

Which configuration is best, how much the report-mined weak labels add over the same network's baseline
(mean ± SD over the repeats of the outer cross-validation, the Nadeau–Bengio corrected resampled t-test,
DeLong's test on the pooled predictions), whether that gain holds across repeats, and which refits fell
back to default parameters. The lead number is the repeat mean of the test AUC (else the fold-averaged
AUC); the pooled AUC is shown only when a table has nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from glioma_change.names import STRATEGY_NAMES

BASELINE = "baseline"
ALPHA = 0.05
"""Two-sided level at which a gain is called distinguishable from no gain."""
HOLD_SHARE = 0.8
"""A gain "holds" when the weak-label model beats its baseline in at least this share of repeats."""
LEAD_COLUMNS = (
    ("test_auc_mean", "test_auc_sd", "repeat-mean test AUC"),
    ("fold_mean_auc", None, "fold-averaged test AUC"),
    ("pooled_test_auc", None, "pooled test AUC"),
)


@dataclass(frozen=True)
class Lead:
    """The AUC a table is ranked by: per row mean, SD (NaN when unknown) and what it is."""

    mean: pd.Series
    sd: pd.Series
    label: str


def strategy_order(name: str) -> tuple[int, str]:
    """Sort key: the project's strategy order (`names.STRATEGY_NAMES`, baseline first), unknown names last."""
    return (STRATEGY_NAMES.index(name) if name in STRATEGY_NAMES else len(STRATEGY_NAMES), name)


def has_lead(table: pd.DataFrame) -> bool:
    """Whether the table has a row with a test AUC to rank by."""
    return any(column in table and table[column].notna().any() for column, _, _ in LEAD_COLUMNS)


def lead_auc(table: pd.DataFrame) -> Lead:
    """The first of repeat-mean, fold-averaged and pooled test AUC the table has (finite for some row)."""
    for column, sd_column, label in LEAD_COLUMNS:
        if column in table and table[column].notna().any():
            sd = table[sd_column] if sd_column and sd_column in table else pd.Series(np.nan, index=table.index)
            return Lead(table[column].astype(float), sd.astype(float), label)
    raise ValueError("strategy table has no test AUC column with a value")


def _get(row: pd.Series, column: str) -> float:
    value = row.get(column, np.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _p(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"= {value:.3f}"


def _pm(mean: float, sd: float, signed: bool = False) -> str:
    if not math.isfinite(mean):
        return "n/a"
    text = f"{mean:+.3f}" if signed else f"{mean:.3f}"
    return f"{text} ± {sd:.3f}" if math.isfinite(sd) else text


@dataclass(frozen=True)
class Gain:
    """A weak-label strategy of one network against that network's baseline."""

    network: str
    strategy: str
    auc: float
    baseline_auc: float
    mean: float
    sd: float
    positive_share: float
    n_repeats: int
    nb_p: float
    delong_p: float

    @property
    def holds(self) -> bool:
        """Positive in at least `HOLD_SHARE` of two or more repeats."""
        return self.mean > 0 and self.n_repeats >= 2 and self.positive_share >= HOLD_SHARE

    @property
    def significant(self) -> bool:
        """The corrected resampled t-test (else DeLong's, with one repeat) rejects "no gain" at `ALPHA`."""
        p = self.nb_p if math.isfinite(self.nb_p) else self.delong_p
        return math.isfinite(p) and p < ALPHA

    def describe(self) -> str:
        """One sentence with the numbers."""
        tests = f"Nadeau–Bengio p {_p(self.nb_p)}, DeLong p {_p(self.delong_p)} on the pooled predictions of repeat 0"
        text = (
            f"{self.network}/{self.strategy} vs {self.network}/baseline: {_pm(self.auc, math.nan)} vs "
            f"{_pm(self.baseline_auc, math.nan)}, gain {_pm(self.mean, self.sd, signed=True)} AUC ({tests})"
        )
        if self.n_repeats >= 2 and math.isfinite(self.positive_share):
            won = int(round(self.positive_share * self.n_repeats))
            text += f"; weak labels ahead in {won} of {self.n_repeats} repeats"
        return text + "."


@dataclass(frozen=True)
class Verdict:
    """The answer of one study; `headline` first, then the supporting sentences."""

    headline: str
    best: str
    best_auc: float
    best_sd: float
    lead_label: str
    gain: Gain | None
    per_network: list[Gain] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The verdict as plain text (headline, then one line per detail)."""
        return "\n".join([self.headline, *(f"- {d}" for d in self.details)])


def _gain(table: pd.DataFrame, lead: Lead, row_index: object) -> Gain | None:
    row = table.loc[row_index]
    network = str(row["network"])
    base = table[(table["network"] == network) & (table["strategy"] == BASELINE)]
    if base.empty:
        return None
    baseline_auc = float(lead.mean.loc[base.index[0]])
    auc = float(lead.mean.loc[row_index])
    mean = _get(row, "gain_vs_baseline_mean")
    n_repeats = _get(row, "n_repeats")
    return Gain(
        network=network,
        strategy=str(row["strategy"]),
        auc=auc,
        baseline_auc=baseline_auc,
        mean=mean if math.isfinite(mean) else auc - baseline_auc,
        sd=_get(row, "gain_vs_baseline_sd"),
        positive_share=_get(row, "gain_positive_share"),
        n_repeats=int(n_repeats) if math.isfinite(n_repeats) else 1,
        nb_p=_get(row, "nb_p_vs_baseline"),
        delong_p=_get(row, "delong_p_vs_baseline"),
    )


def _best_weak(table: pd.DataFrame, lead: Lead, network: str) -> object | None:
    rows = lead.mean[(table["network"] == network) & (table["strategy"] != BASELINE)].dropna()
    return rows.idxmax() if len(rows) else None


def _headline(best: str, auc: str, gain: Gain | None) -> str:
    if gain is None:
        return f"Best configuration: {best} ({auc}); no baseline of that network to measure weak labels against."
    if not math.isfinite(gain.mean):
        return f"Best configuration: {best} ({auc}); the gain of weak labels over its baseline could not be measured."
    if gain.mean <= 0:
        return (
            f"Weak labels did not help: {best} is best ({auc}); the best weak-label strategy of "
            f"{gain.network}, {gain.strategy}, is {gain.mean:+.3f} AUC against its baseline."
        )
    if gain.holds and gain.significant:
        return (
            f"Weak labels help: {best} is best ({auc}), {gain.mean:+.3f} AUC over {gain.network}/baseline, "
            "a gain that holds across repeats and is distinguishable from noise."
        )
    why = "it does not hold across repeats" if not gain.holds else "it is within the noise of this study"
    if gain.n_repeats < 2:
        why = "one repeat cannot show whether it holds" + ("" if gain.significant else ", and it is within the noise")
    return (
        f"Weak labels may help: {best} is best ({auc}), {gain.mean:+.3f} AUC over {gain.network}/baseline, but {why}."
    )


def _defaults(table: pd.DataFrame) -> list[str]:
    if "refit_source" not in table:
        return []
    source = table["refit_source"].fillna("").astype(str)
    used = table[source.str.startswith("defaults")]
    return [f"{r.network}/{r.strategy} ({s})" for r, s in zip(used.itertuples(), source[used.index], strict=True)]


def make_verdict(table: pd.DataFrame) -> Verdict:
    """The verdict of a strategy table (`predictions.STRATEGY_TABLE_COLUMNS`; older tables without the
    repeat columns are read too, ranked by fold-averaged or pooled AUC)."""
    table = table.reset_index(drop=True)
    lead = lead_auc(table)
    best_index = lead.mean.idxmax()
    best_row = table.loc[best_index]
    best = f"{best_row['network']}/{best_row['strategy']}"
    best_auc, best_sd = float(lead.mean[best_index]), float(lead.sd[best_index])
    auc = f"{lead.label} {_pm(best_auc, best_sd)}"
    n_repeats = _get(best_row, "n_repeats")
    if math.isfinite(n_repeats) and lead.label.startswith("repeat"):
        auc += f" SD over {int(n_repeats)} repeats" if math.isfinite(best_sd) else f", {int(n_repeats)} repeat"
    networks = list(dict.fromkeys(table.loc[lead.mean.sort_values(ascending=False).index, "network"]))
    per_network = []
    for network in networks:
        weak = _best_weak(table, lead, network)
        gain = _gain(table, lead, weak) if weak is not None else None
        if gain is not None:
            per_network.append(gain)
    best_network = str(best_row["network"])
    gain = next((g for g in per_network if g.network == best_network), None)  # the best row itself unless baseline
    defaults = _defaults(table)
    details = [g.describe() for g in per_network]
    if defaults:
        details.append(
            f"Refit with default parameters (no own completed trial): {', '.join(defaults)}; "
            "their numbers compare untuned models."
        )
    elif "refit_source" in table and table["refit_source"].notna().all():
        details.append("Every combination was refit from its own best completed trial.")
    details.append(f"Ranked by {lead.label}; gains are against the same network's baseline on the same test pairs.")
    return Verdict(
        headline=_headline(best, auc, gain),
        best=best,
        best_auc=best_auc,
        best_sd=best_sd,
        lead_label=lead.label,
        gain=gain,
        per_network=per_network,
        defaults=defaults,
        details=details,
    )
