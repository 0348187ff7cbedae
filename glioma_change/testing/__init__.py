"""Builders of small synthetic inputs shared by the tests and the benchmarks (one home for each).

`study.make_fake_study` (maps, manifest, labels, study file), `imaging` (synthetic heads and sessions),
`data`, `evaluation`, `transfer` and `reports` (the hand-written report sets of a checkout's `tests/data`).
Imported only by tests and benchmarks, never by the package itself.
"""
