"""Report mining: weak stable/unstable labels with P(unstable) from radiology report CSVs (English, French).

Modules: `reading` (hospital exports: encoding, separators, dates, per-row errors), `language`
(per-report language), `dates` (comparative date from the text, date cells), `lexicon` (the editable
`nlp/` resources), `components/` (one spaCy component per module: administrative text, sections,
sentences, terms, measurements, ConText-style context), `pipeline` (building and applying the rule
pipeline), `scoring` (evidence → scores → fixed calibration), `prepare` (rows ready for labelling),
`classifier` (the trainable calibrated classifier and the 2021 anchor), `training` (`labels train`:
patient-grouped CV table) and `labeling` (the `labels` workflow: `label_reports`). See `docs/reports.md`.
"""
