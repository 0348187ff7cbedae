"""Load the editable language resources under `nlp/`: per-language lexicons, token patterns, rule settings.

`nlp/<lang>/lexicon.json` holds phrase lists (targets, change/stability cues, ConText modifiers, section
headings, date words, stop-words, administrative field labels); `nlp/<lang>/patterns.jsonl` holds spaCy
`Matcher` token patterns;
`nlp/rules.json` holds the language-independent scopes, weights and the fixed calibration.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from glioma_change.errors import ConfigError
from glioma_change.resources import nlp_dir

# OTHER_LESION: a lesion other than the tumour (radiation necrosis, haematoma, cavernoma ...): unrelated to
# it, like UNRELATED, and the owner of the enhancement and oedema described with it
TARGETS = ("T2", "ENH", "GLOBAL", "TUMOUR", "UNRELATED", "OTHER_LESION")
UNRELATED = frozenset({"UNRELATED", "OTHER_LESION"})
CUES = ("INCREASE", "DECREASE", "CHANGE", "STABLE")
MODIFIERS = (
    "NEGATION",
    "NEGATION_POST",
    "UNCERTAIN",
    "UNCERTAIN_POST",
    "DEGREE",
    "HISTORICAL",
    "HISTORICAL_POST",
    "HYPOTHETICAL",
    "HYPOTHETICAL_POST",
)
BOUNDARIES = ("TERMINATE", "CLAUSE", "COORDINATE")
# LOCATION: a target right after it says where a change is ("new enhancement within the T2 abnormality");
# OLDER_EXAM: the sentence compares with an exam older than the comparative one ("in retrospect", "plus ancien");
# RECENT_EXAM: it names the previous exam ("par rapport au précédent"), which overrides OLDER_EXAM;
# ATTRIBUTION: what stands before it is put down to the lesion after it ("has the features of radiation necrosis")
FRAMES = ("LOCATION", "OLDER_EXAM", "RECENT_EXAM", "ATTRIBUTION")
PSEUDO = ("PSEUDO",)  # look like modifiers or cues but are neither ("IDH non muté", "not only"): matched, then ignored
CATEGORIES = TARGETS + CUES + MODIFIERS + BOUNDARIES + FRAMES + PSEUDO


def strip_accents(text: str) -> str:
    """`évolution` → `evolution` (NFD decomposition without combining marks)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def variants(phrase: str) -> set[str]:
    """A phrase with its accent-free and apostrophe variants, lower-cased."""
    base = phrase.lower()
    out = {base, strip_accents(base)}
    for form in list(out):
        out.add(form.replace("'", "\u2019"))
    return out


# lists under `sections` that hold no headings: words after a heading that continue prose, dictated colons
SECTION_WORDS = ("prose_followers", "dictated_colon")


@dataclass(frozen=True)
class Lexicon:
    """The resources of one language."""

    language: str
    terms: dict[str, list[str]]
    patterns: list[dict[str, Any]]
    sections: dict[str, list[str]]
    stopwords: frozenset[str]
    measurement: dict[str, Any]
    dates: dict[str, Any]
    admin: dict[str, Any]
    regex_terms: dict[str, list[str]]
    rules: dict[str, Any]
    novelty: frozenset[str] = frozenset()  # cue words that announce something new, never an extent ("nouvelle")
    # clause words that, after a comma, end a negation's scope: "sans résidu rehaussé, *avec* diminution du FLAIR"
    contrast: frozenset[str] = frozenset()
    # relative pronouns whose clause, when it names no finding, speaks of the finding just before them: "l'infiltration
    # FLAIR, *dont* l'étendue ne varie pas", "the cavity, *whose* contents have regressed"
    relatives: frozenset[str] = frozenset()
    # words of the acquisition that a change may be put down to ("liée à l'acquisition tardive", "due to the thicker
    # slices"): such a change is the technique's
    technique: frozenset[str] = frozenset()
    # the words that answer a question ("Progression ? Non.", "Is there progression? Yes"): `yes` affirms what the
    # question asked, `no` denies it
    answers: dict[str, frozenset[str]] = field(default_factory=dict)
    # response categories that hold changes within their bounds (RANO "stable disease": −50 % to +25 %), which a
    # conclusion's change of a component does not contradict
    categories: frozenset[str] = frozenset()
    # the punctuation a voice dictation left as words: `marks` ("virgule", "new paragraph") always are, `ambiguous`
    # ones ("period", "colon") only in a text that holds a mark word
    dictation: dict[str, dict[str, str]] = field(default_factory=dict)

    def headings(self) -> dict[str, list[str]]:
        """The section headings by kind (findings, conclusion, revision, ignore, technique, ignore_sentence,
        superseded, footer)."""
        return {kind: headings for kind, headings in self.sections.items() if kind not in SECTION_WORDS}


def available_languages(root: str | None = None) -> list[str]:
    """Languages with a `lexicon.json` under `nlp/` (or under `root`)."""
    return sorted(p.parent.name for p in (Path(root) if root else nlp_dir()).glob("*/lexicon.json"))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read language resource ({exc})") from None


def _read_patterns(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
        if entry.get("label") not in CATEGORIES or not isinstance(entry.get("pattern"), list):
            raise ConfigError(f"{path}, line {number}: needs a known 'label' and a 'pattern' list")
        out.append(entry)
    return out


def respelled(phrases: list[str], spellings: dict[str, list[str]]) -> list[str]:
    """`phrases` and, after them, each phrase with a common misspelling of one of its stems (`spellings`: stem →
    its other spellings, e.g. `rehauss` → `réhauss`, the accented form French reports often write)."""
    out, seen = list(phrases), set(phrases)
    for phrase in phrases:
        low = phrase.lower()
        for stem, others in spellings.items():
            if stem in low:
                for other in others:
                    form = low.replace(stem, other)
                    if form not in seen:
                        seen.add(form)
                        out.append(form)
    return out


@cache
def load_lexicon(language: str, root: str | None = None) -> Lexicon:
    """Load `nlp/<language>/` (or `<root>/<language>/`) and `nlp/rules.json`."""
    base = Path(root) if root else nlp_dir()
    path = base / language / "lexicon.json"
    if not path.is_file():
        raise ConfigError(f"no lexicon for language {language!r} (expected {path})")
    data = _read_json(path)
    terms = data.get("terms", {})
    unknown = sorted(set(terms) - set(CATEGORIES))
    if unknown:
        raise ConfigError(f"{path}: unknown term categories {unknown}; known: {list(CATEGORIES)}")
    rules_path = base / "rules.json"
    rules = _read_json(rules_path if rules_path.is_file() else nlp_dir() / "rules.json")
    return Lexicon(
        language=language,
        terms={k: respelled(list(terms.get(k, [])), data.get("spellings", {})) for k in CATEGORIES},
        patterns=_read_patterns(base / language / "patterns.jsonl"),
        sections={k: list(v) for k, v in data.get("sections", {}).items()},
        stopwords=frozenset(w for s in data.get("stopwords", []) for w in variants(s)),
        measurement=data.get("measurement", {}),
        dates=data.get("dates", {}),
        admin=data.get("admin", {}),
        regex_terms={k: list(v) for k, v in data.get("regex_terms", {}).items() if k in CATEGORIES},
        rules=rules,
        novelty=frozenset(f for w in data.get("novelty", []) for f in variants(w)),
        contrast=frozenset(f for w in data.get("contrast", []) for f in variants(w)),
        relatives=frozenset(w.lower() for w in data.get("relatives", [])),
        technique=frozenset(f for w in data.get("technique", []) for f in variants(w.lower())),
        answers={k: frozenset(w.lower() for w in v) for k, v in data.get("answers", {}).items()},
        categories=frozenset(f.lower() for w in data.get("categories", []) for f in variants(w)),
        dictation={k: dict(v) for k, v in data.get("dictation", {}).items()},
    )
