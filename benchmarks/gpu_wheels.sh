#!/usr/bin/env bash
# Run HERE (a machine with PyPI) before a GPU check: downloads, into .whl/ (git-ignored through
# .git/info/exclude), the Python 3.12 x86-64 wheels of what benchmarks/study_scale.py imports and the
# device machine's image lacks, at the versions this project's .venv has. Carry .whl/ to the device.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
names='monai|nibabel|optuna|pydantic|pydantic_core|annotated-types|typing-inspection|sqlalchemy|greenlet|alembic|mako|colorlog'
mapfile -t pins < <(.venv/bin/pip freeze 2>/dev/null | grep -i -E "^(${names})==")
[ "${#pins[@]}" -ge 10 ] || { echo "expected the study's packages in .venv (run make install first)" >&2; exit 1; }
rm -rf .whl && mkdir .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d .whl "${pins[@]}" greenlet
ls .whl
