#!/usr/bin/env bash
# Run ON the lent GPU machine (device tool, repository root, .whl/ carried; see docs/scale.md):
#   bash benchmarks/gpu_check.sh            # everything, about 8 minutes on one H100/H200 (estimate)
#   bash benchmarks/gpu_check.sh compile    # throughput under every compile mode only
#   bash benchmarks/gpu_check.sh share      # tune --workers 1 2 4 only
# Installs the carried wheels without touching the image's torch, runs the CUDA tests
# (tests/training/test_cuda.py), then benchmarks/study_scale.py on CUDA at the paper's size (1,700
# maps, 180 patients, 32³), and writes the JSON/Markdown, logs and test output under $OUT/scale.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-benchmarks/results}/scale"
mkdir -p "$out"
python3 -m pip install -q --no-deps --no-index .whl/*.whl
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$out/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -rs tests/training/test_cuda.py 2>&1 | tee "$out/cuda_tests.txt"
common=(--device cuda --maps 1700 --patients 180 --shape 32 32 32 --batches 8 --batch-size 8 --epochs-measure 4)
case "${1:-all}" in
  compile) args=(--compile off default reduce-overhead --share) ;;
  share)   args=(--compile off --share 1 2 4 --share-device cuda) ;;
  all)     args=(--compile off default reduce-overhead --share 1 2 4 --share-device cuda --pruning-trials 10 --pruning-epochs 6) ;;
  *) echo "usage: $0 [all|compile|share]" >&2; exit 2 ;;
esac
python3 benchmarks/study_scale.py "${common[@]}" "${args[@]}" --out "$out" 2>&1 | tee "$out/log.txt"
