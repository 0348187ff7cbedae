"""How a hospital information system exports reports: the `export_style` of a synthetic report CSV.

* `structured`: the generator's reports as written (headings with colons, one section a line).
* `flat`: each report on one line, as a PDF or EHR extraction leaves it: an invented identifying header
  (institution, department, patient name, date of birth, record and accession numbers, referring
  physician) and footer (signing physician, electronic-signature line, page number), sections separated
  by runs of spaces only and headings without colons.

Every name and number is invented from the seed (lists below); none belongs to a real person. The CSV
can be written as UTF-8 or Windows-1252 with `,`, `;` or tab separators (`write_reports_csv`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from glioma_change.io import atomic_path
from glioma_change.seeding import rng

ExportStyle = Literal["structured", "flat"]
EXPORT_STYLES: tuple[str, ...] = ("structured", "flat")

SURNAMES = (
    "Vardelle",
    "Quessaint",
    "Brochemont",
    "Larivaud",
    "Tisserot",
    "Pommeraye",
    "Haldecott",
    "Wrenfield",
    "Ostrander",
    "Marbury",
    "Cazenoble",
    "Duvillard",
    "Fenwright",
    "Gallowmere",
    "Ruzaval",
)
FIRST_NAMES = (
    "Odile",
    "Anselme",
    "Maëlle",
    "Théodric",
    "Ysolde",
    "Bertrand",
    "Corentine",
    "Alaric",
    "Mirabel",
    "Tobias",
    "Rosalind",
    "Cuthbert",
    "Lysandre",
    "Gwenola",
    "Evander",
)
PLACES = {
    "fr": ("Centre Hospitalier Universitaire de Valmorin", "Hôpital Saint-Aubrac", "CHU de Montclair-sur-Oise"),
    "en": ("Riverside General Hospital", "St Aldric University Hospital", "Northmoor Medical Centre"),
}
_HEADING = re.compile(r"^\s*([^\W\d_][^:\n.?,]{0,38}?)\s*:\s*", re.MULTILINE)


@dataclass(frozen=True)
class Identity:
    """The invented administrative details of one report."""

    name: str
    birth: str
    record: str
    accession: str
    referrer: str
    signer: str
    place: str


def invent_identity(g: np.random.Generator, language: str) -> Identity:
    """Invented patient and staff details (names from `SURNAMES`/`FIRST_NAMES`, random numbers)."""

    def person() -> str:
        return f"{SURNAMES[int(g.integers(len(SURNAMES)))]} {FIRST_NAMES[int(g.integers(len(FIRST_NAMES)))]}"

    day, month, year = int(g.integers(1, 29)), int(g.integers(1, 13)), int(g.integers(1940, 2000))
    places = PLACES["fr" if language == "fr" else "en"]
    return Identity(
        name=person().upper(),
        birth=f"{day:02d}/{month:02d}/{year}",
        record=str(int(g.integers(10**7, 10**8))),
        accession=f"A{int(g.integers(10**8, 10**9))}",
        referrer=person(),
        signer=person(),
        place=places[int(g.integers(len(places)))],
    )


def header_footer(identity: Identity, language: str) -> tuple[str, str]:
    """The administrative header and footer of one exported report."""
    i = identity
    if language == "fr":
        header = (
            f"{i.place}   Service de Neuroradiologie   Patient : {i.name}   Né(e) le {i.birth}   "
            f"IPP {i.record}   N° d'examen {i.accession}   Médecin demandeur : Dr {i.referrer}   IRM cérébrale"
        )
        footer = f"Dr {i.signer}   Compte rendu signé électroniquement   Page 1/1"
    else:
        header = (
            f"{i.place}   Department of Neuroradiology   Patient name: {i.name}   DOB: {i.birth}   "
            f"MRN {i.record}   Accession {i.accession}   Referring physician: Dr {i.referrer}   MRI brain"
        )
        footer = f"Electronically signed by Dr {i.signer}   Page 1 of 1"
    return header, footer


def flatten(text: str, header: str = "", footer: str = "", gap: str = "   ") -> str:
    """One line: headings without their colon, lines and header/footer joined by runs of spaces."""
    body = _HEADING.sub(lambda m: m.group(1) + gap, text)
    parts = [header, *(line.strip() for line in body.splitlines() if line.strip()), footer]
    return gap.join(p for p in parts if p)


def export_reports(reports: pd.DataFrame, style: ExportStyle, seed: int) -> pd.DataFrame:
    """The report table as exported in `style` (`report_text` rewritten for `flat`; other columns kept)."""
    if style not in EXPORT_STYLES:
        raise ValueError(f"export style {style!r}: expected one of {', '.join(EXPORT_STYLES)}")
    if style == "structured":
        return reports.copy()
    out = reports.copy()
    texts = []
    for index, row in enumerate(reports.itertuples(index=False)):
        language = getattr(row, "language", "") or "en"
        identity = invent_identity(rng(seed, "synth-export", row.patient_id, index), language)
        texts.append(flatten(row.report_text, *header_footer(identity, language)))
    out["report_text"] = texts
    return out


def write_reports_csv(
    reports: pd.DataFrame, path: str | os.PathLike[str], encoding: str = "utf-8", sep: str = ","
) -> Path:
    """Write a report table as a hospital export would (e.g. `cp1252` with `;`), atomically."""
    with atomic_path(path) as tmp:
        reports.to_csv(tmp, index=False, sep=sep, encoding=encoding, errors="replace")
    return Path(path)
