"""Report-mining throughput on long flattened hospital exports: reports per second per core for the rules
and for the trained model, as ratios against plain `spacy.blank(lang)` tokenisation of the same reports in
the same run.

The reports are the generator's, exported `flat` (one line, invented identifying header and footer,
headings without colons) and lengthened to about `--chars` characters with an invented technique
paragraph, as PDF extractions of real follow-up reports are (≈ 1,800 characters).

Run: `.venv/bin/python benchmarks/bench_reports.py [--patients 300] [--repeats 3]`. Writes
`benchmarks/results/reports.json` and `benchmarks/results/reports.md`. One process, one thread: the rates
are per core. Both wall-clock and CPU-time rates are reported (CPU time is steadier on a shared machine);
the ratio to tokenisation is the figure to compare between machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]

import pandas as pd  # noqa: E402  (thread settings before torch and numpy load)
import spacy  # noqa: E402  (thread settings before torch and numpy load)

from glioma_change.formats import parse_date  # noqa: E402
from glioma_change.progress import set_enabled  # noqa: E402
from glioma_change.reports.classifier import ReportModel  # noqa: E402
from glioma_change.reports.components import TextKeepingTokenizer  # noqa: E402
from glioma_change.reports.pipeline import TOKENIZER_CACHE, apply_rules, build_nlp  # noqa: E402
from glioma_change.reports.training import train_model  # noqa: E402
from glioma_change.seeding import rng  # noqa: E402
from glioma_change.synth import generate_dataset  # noqa: E402
from glioma_change.synth.export import export_reports, flatten, header_footer, invent_identity  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
CHUNK = 50  # reports timed together (see `best_rate`)
SPACY_CACHE = 10_000  # chunks spaCy's tokenizer caches by default
TARGET = 2_000  # rules-only reports/s per core on long flattened exports (issue 14)
TECHNIQUE = {
    "en": "Technique: Axial T2, FLAIR, diffusion, susceptibility-weighted and 3D T1 sequences before and after "
    "intravenous gadolinium, reformatted in three planes; perfusion with dynamic susceptibility contrast. ",
    "fr": "Technique : Séquences axiales T2, FLAIR, diffusion, susceptibilité magnétique et 3D T1 avant et après "
    "injection de gadolinium, reconstructions dans les trois plans ; perfusion par premier passage. ",
}


def long_flat_exports(reports: pd.DataFrame, chars: int, seed: int) -> pd.DataFrame:
    """Flat exports of `reports`, each lengthened by a technique paragraph to about `chars` characters."""
    flat = export_reports(reports, "flat", seed)
    texts = []
    for text, exported, language in zip(reports.report_text, flat.report_text, reports.language):
        extra = TECHNIQUE[language]
        repeat = max(0, round((chars - len(exported)) / len(extra)))
        texts.append((extra * repeat).strip() + "\n" + text if repeat else text)
    longer = reports.copy()
    longer["report_text"] = texts
    return export_reports(longer, "flat", seed)


def best_rate(work: Callable[[list[Any]], object], texts: list[Any], repeats: int) -> dict[str, float]:
    """Reports/s of `work` over `texts` by wall clock and by process CPU time: the texts are timed in chunks of
    `CHUNK`, each chunk's best of `repeats` kept (a burst of another job on this shared machine then spoils
    one chunk's one run, not a whole pass)."""
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    wall, cpu = [float("inf")] * len(chunks), [float("inf")] * len(chunks)
    for _ in range(repeats):
        for k, chunk in enumerate(chunks):
            w0, c0 = time.perf_counter(), time.process_time()
            work(chunk)
            wall[k] = min(wall[k], time.perf_counter() - w0)
            cpu[k] = min(cpu[k], time.process_time() - c0)
    return {"wall": len(texts) / sum(wall), "cpu": len(texts) / max(sum(cpu), 1e-9)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300, help="synthetic patients (about 3 reports each)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--chars", type=int, default=1800, help="target report length once flattened")
    parser.add_argument("--hand-chars", type=int, default=1400, help="shortest hand-written report measured")
    args = parser.parse_args()
    set_enabled(False)

    with tempfile.TemporaryDirectory() as tmp:
        generate_dataset(Path(tmp) / "synth", args.patients, args.seed, images=False)
        reports = pd.read_csv(Path(tmp) / "synth" / "reports.csv", dtype=str, keep_default_na=False)
        reports = long_flat_exports(reports, args.chars, args.seed)
        tables = [
            (name, str(language), table)
            for name, tables_of in (
                ("synthetic", reports.groupby("language")),
                ("hand-written", hand_written(args.hand_chars)),
            )
            for language, table in tables_of
        ]
        sets = [(name, language, list(table.report_text)) for name, language, table in tables]
        # tokenisation and rules first: training leaves a large heap behind it, and Python's garbage collector
        # then walks it during whatever is timed next (tokenisation measured ~40 % slower right after it)
        rows = [measure(name, language, table, args.repeats) for name, language, table in tables]
        labelled = Path(tmp) / "labelled.csv"
        hand = [pd.read_csv(ROOT / "tests" / "data" / f"reports_{lang}.csv", dtype=str) for lang in ("en", "fr")]
        pd.concat(hand).to_csv(labelled, index=False)
        train_model(labelled, Path(tmp) / "model", seed=args.seed)
        model = ReportModel.load(Path(tmp) / "model")
    for row, (_, language, texts) in zip(rows, sets):
        row.update(model_rates(model, language, texts, args.repeats, float(str(row["tokenise_cpu_per_s"]))))
    passes = [one_pass(language) for language in ("en", "fr")]
    write(rows, passes, args)


def hand_written(min_chars: int) -> list[tuple[str, pd.DataFrame]]:
    """The one-line reports of at least `min_chars` characters of the hand-written export sets of `tests/data`
    (`reports_{export,blind3..}_<lang>.csv`), as written, with their exams' dates."""
    out = []
    for language in ("en", "fr"):
        tables = []
        for path in sorted((ROOT / "tests" / "data").glob(f"reports_*_{language}.csv")):
            if path.stem.split("_")[1].startswith(("export", "blind")) and path.stem.split("_")[1] != "blind":
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
                tables.append(df[[("\n" not in t and len(t) >= min_chars) for t in df.report_text]])
        out.append((language, pd.concat(tables, ignore_index=True)))
    return out


def _dates(table: pd.DataFrame, column: str) -> list[dt.date | None]:
    """The dates of `column` of `table`, read as the report tables' date columns are (`formats.parse_date`; None
    where empty, unreadable or absent)."""
    out: list[dt.date | None] = []
    for value in table.get(column, pd.Series([""] * len(table))):
        try:
            out.append(parse_date(value))
        except ValueError:
            out.append(None)
    return out


def export_corpus(language: str) -> list[str]:
    """Every hand-written report of `language` in `tests/data`, structured and flattened with an invented
    header and footer: a corpus with the variety of a hospital export (names, numbers, dates), more distinct
    chunks than spaCy's default tokenizer cache holds."""
    texts: list[str] = []
    for path in sorted((ROOT / "tests" / "data").glob(f"reports_*_{language}.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for i, text in enumerate(df.report_text):
            identity = invent_identity(rng(7, path.stem, i), language)
            texts += [text, flatten(text, *header_footer(identity, language))]
    return texts


def one_pass(language: str) -> dict[str, object]:
    """Each report of `export_corpus(language)` read once, as `glioma-change labels` reads an export, by fresh
    pipelines: plain `spacy.blank` tokenisation, and the rules with spaCy's default tokenizer cache and with
    ours (`TOKENIZER_CACHE`): CPU-time rates."""
    texts = export_corpus(language)
    chunks = len({chunk for text in texts for chunk in text.split()})
    rates: dict[str, float] = {}
    for name, make in (
        ("tokenise", lambda: spacy.blank(language)),
        ("rules_spacy_cache", lambda: _rules_nlp(language, SPACY_CACHE)),
        ("rules", lambda: _rules_nlp(language, TOKENIZER_CACHE)),
    ):
        nlp = make()
        start = time.process_time()
        for _ in nlp.pipe(texts, batch_size=256):
            pass
        rates[f"{name}_cpu_per_s"] = round(len(texts) / (time.process_time() - start), 1)
    ratio = round(rates["rules_cpu_per_s"] / rates["tokenise_cpu_per_s"], 3)
    return {"language": language, "reports": len(texts), "distinct_chunks": chunks, **rates, "rules_vs_tokenise": ratio}


def _rules_nlp(language: str, cache: int) -> spacy.language.Language:
    """A fresh rule pipeline (own vocabulary, empty caches) whose tokenizer caches at most `cache` chunks."""
    nlp = build_nlp.__wrapped__(language)
    assert isinstance(nlp.tokenizer, TextKeepingTokenizer)
    nlp.tokenizer.tokenizer.max_cache_size = cache
    return nlp


def measure(name: str, language: str, table: pd.DataFrame, repeats: int) -> dict[str, object]:
    """Tokenisation and rules rates of one language's reports `table`, in one run: the rules on the texts alone
    and, as `glioma-change labels` runs them, with the comparative exams' and the exams' dates."""
    texts = list(table.report_text)
    dated = list(zip(texts, _dates(table, "comparative_date"), _dates(table, "exam_date")))
    n = len(texts)
    langs = [language] * n
    blank = spacy.blank(language)
    build_nlp(language)
    apply_rules(texts[:20], langs[:20])  # warm-up
    tokenise = best_rate(lambda chunk: list(blank.pipe(chunk, batch_size=256)), texts, repeats)
    rules = best_rate(lambda chunk: apply_rules(chunk, langs[: len(chunk)]), texts, repeats)
    with_dates = best_rate(
        lambda chunk: apply_rules(
            [t for t, _, _ in chunk],
            langs[: len(chunk)],
            comparative_dates=[c for _, c, _ in chunk],
            exam_dates=[e for _, _, e in chunk],
        ),
        dated,
        repeats,
    )
    return {
        "set": name,
        "language": language,
        "reports": n,
        "with_dates": sum(c is not None for _, c, _ in dated),
        "mean_words": round(sum(len(t.split()) for t in texts) / n, 1),
        "mean_chars": round(sum(len(t) for t in texts) / n, 0),
        **{
            f"{kind}_{clock}_per_s": round(rate[clock], 1)
            for kind, rate in (("tokenise", tokenise), ("rules", rules), ("rules_dated", with_dates))
            for clock in ("wall", "cpu")
        },
        "rules_vs_tokenise": round(rules["cpu"] / tokenise["cpu"], 3),
    }


def model_rates(model: ReportModel, language: str, texts: list[str], repeats: int, tokenise: float) -> dict[str, float]:
    """Rules + trained-model rates of one language's `texts` (`tokenise`: its tokenisation rate, reports/s)."""
    langs = [language] * len(texts)
    trained = best_rate(
        lambda chunk: model.predict(apply_rules(chunk, langs[: len(chunk)], keep_tokens=True)), texts, repeats
    )
    return {
        "model_wall_per_s": round(trained["wall"], 1),
        "model_cpu_per_s": round(trained["cpu"], 1),
        "model_vs_tokenise": round(trained["cpu"] / tokenise, 3),
    }


def write(rows: list[dict[str, object]], passes: list[dict[str, object]], args: argparse.Namespace) -> None:
    """`benchmarks/results/reports.{json,md}`."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    info = {
        "patients": args.patients,
        "seed": args.seed,
        "repeats": args.repeats,
        "spacy": spacy.__version__,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(load, 2),
        "rows": rows,
        "one_pass": passes,
    }
    (RESULTS / "reports.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    lines = [
        "| reports | language | n | chars/report | tokenise /s (CPU) | rules /s (CPU) | rules with the exams' dates /s "
        "| model /s (CPU) | rules / tokenise | model / tokenise |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} | {r['language']} | {r['reports']} | {r['mean_chars']:.0f} | {r['tokenise_cpu_per_s']:.0f} | "
            f"{r['rules_cpu_per_s']:.0f} | {r['rules_dated_cpu_per_s']:.0f} | {r['model_cpu_per_s']:.0f} | "
            f"{r['rules_vs_tokenise']:.3f} | "
            f"{r['model_vs_tokenise']:.3f} |"
        )
    synthetic = [r for r in rows if r["set"] == "synthetic"]
    lowest = min(float(str(r["rules_cpu_per_s"])) for r in synthetic)
    answer = (
        "**Rules only on the long synthetic flat exports: "
        + " / ".join(f"{float(str(r['rules_cpu_per_s'])):,.0f}" for r in synthetic)
        + " reports/s ("
        + " / ".join(str(r["language"]) for r in synthetic)
        + f"), {'at or above' if lowest >= TARGET else 'below'} the {TARGET:,}/s target; "
        + " / ".join(f"{float(str(r['rules_vs_tokenise'])):.3f}" for r in synthetic)
        + " of plain tokenisation in the same run (the figure to compare between machines).**"
    )
    table = "\n".join(
        [
            f"# reports: rules and trained model throughput, one core ({args.patients} synthetic patients, seed {args.seed})",
            "",
            answer,
            "",
            "Reports: *synthetic*: the generator's flat exports (one line, invented identifying header and footer), "
            f"lengthened to about {args.chars} characters by repeating a technique paragraph with its heading (about 14 "
            "headings a report, more than real exports have); *hand-written*: the one-line reports of the export-style "
            f"and blind sets in `tests/data` of at least {args.hand_chars} characters, as written. The rules read the texts alone, "
            "and with the comparative exams' and the exams' dates as `glioma-change labels` reads an export (the horizon rules "
            "then read every dated sentence). Baseline: plain `spacy.blank(lang)` tokenisation of the same "
            f"reports in the same run; rates by CPU time, each chunk of {CHUNK} reports its best of {args.repeats}. Load average at the end: {load:.1f} on "
            f"{os.cpu_count()} cores" + (" (timings taken under load from other jobs)." if load > 1.0 else "."),
            "",
            *lines,
            "",
            "## One pass over an export",
            "",
            "Each report read once by a fresh pipeline, as `glioma-change labels` reads a hospital export: every "
            "hand-written report of `tests/data`, structured and flattened with an invented header and footer (CPU "
            f"time). spaCy's tokenizer caches the tokens of at most {SPACY_CACHE:,} distinct chunks and then none: "
            f"the rules keep up to {TOKENIZER_CACHE:,}.",
            "",
            "| language | reports | distinct chunks | tokenise /s | rules, spaCy's cache /s | rules /s | rules / tokenise |",
            "|---|---|---|---|---|---|---|",
            *(
                f"| {p['language']} | {p['reports']} | {p['distinct_chunks']} | {p['tokenise_cpu_per_s']:.0f} | "
                f"{p['rules_spacy_cache_cpu_per_s']:.0f} | {p['rules_cpu_per_s']:.0f} | "
                f"{p['rules_vs_tokenise']:.2f} |"
                for p in passes
            ),
        ]
    )
    (RESULTS / "reports.md").write_text(table + "\n", encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
