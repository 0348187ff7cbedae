"""Report mining: weak stable/unstable labels with P(unstable) from radiology report CSVs (English, French).

Modules: `reading` (robust CSV reading), `language` (per-report language), `dates` (comparative date
from the text), `lexicon` (the editable `nlp/` resources), `components` (spaCy components: sections,
terms, measurements, ConText-style modifiers), `pipeline` (building and applying the rule pipeline),
`scoring` (evidence → scores → fixed calibration), `classifier` (trainable calibrated classifier) and
`labeling` (the `labels` workflow: `label_reports`). See `docs/reports.md`.
"""
