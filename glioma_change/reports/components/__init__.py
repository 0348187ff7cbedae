"""spaCy pipeline components for report mining, one per module, registered by name and driven by the
`nlp/` lexicons. Order in the pipeline (see `pipeline.build_nlp`; each factory declares what it assigns
and requires, so `nlp.analyze_pipes()` checks it)::

    glioma_admin → glioma_sections → glioma_sentences → glioma_terms → glioma_measurements → glioma_context

Importing this package registers the factories.
"""

from glioma_change.reports.components import admin, context, measurements, sections, sentences, terms
from glioma_change.reports.components.extensions import CLASSES, EVIDENCE_INDEX, SECTIONS
from glioma_change.reports.components.tokenizer import TextKeepingTokenizer

PIPELINE = (
    "glioma_admin",
    "glioma_sections",
    "glioma_sentences",
    "glioma_terms",
    "glioma_measurements",
    "glioma_context",
)

__all__ = [
    "CLASSES",
    "EVIDENCE_INDEX",
    "PIPELINE",
    "SECTIONS",
    "TextKeepingTokenizer",
    "admin",
    "context",
    "measurements",
    "sections",
    "sentences",
    "terms",
]
