"""Imaging: from two T2-weighted sessions of a patient to signed and absolute difference maps.

One module per step, each a typed function on SimpleITK images (geometry travels with the data):
`io` → `bias` → `mask` → `register` → `resample` → `normalise` → `subtract` → `qc`; `pipeline`
runs them for one pair and `batch` for many pairs (parallel, resumable, with a manifest).
"""
