#!/usr/bin/env bash
# GPU check for `citewise ingest --device cuda`: ingest the 500 PubMedQA dev abstracts
# on the GPU and on the CPU, compare the vectors, print texts/s for both.
#
# Needs only this repository and a Python 3.11 on a machine with an NVIDIA GPU. It uses a
# Python that already has a CUDA torch when there is one (PYTHON=...), and otherwise makes
# a virtual environment in .venv-gpu and installs torch (a CUDA build, from PyPI) and this
# package into it. Run from the repository root:  bash bench/gpu_check.sh
# Expected on one H200: GPU ingest a few hundred to a few thousand texts/s (tokenising and
# writing the index bound, not the GPU), vectors equal to the CPU's within fp16 tolerance
# (least cosine >= 0.999). See docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ABSTRACTS="${ABSTRACTS:-500}"
WORK="$(mktemp -d -t citewise-gpu-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

PY="${PYTHON:-python3}"
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null \
   || ! "$PY" -c "import assistant, ingest" 2>/dev/null; then
  if [ ! -x .venv-gpu/bin/python ]; then
    "$PY" -m venv .venv-gpu
    .venv-gpu/bin/python -m pip install -q --upgrade pip
    .venv-gpu/bin/python -m pip install -q "torch>=2.13,<2.15"   # PyPI's default build has CUDA
    .venv-gpu/bin/python -m pip install -q -e .
  fi
  PY=.venv-gpu/bin/python
fi
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'gpu', torch.cuda.get_device_name(0))"

"$PY" - "$WORK" "$ABSTRACTS" <<'PYTHON'
import sys
from pathlib import Path

from evals.pubmedqa import load_abstracts, write_corpus

work, n = Path(sys.argv[1]), int(sys.argv[2])
write_corpus(load_abstracts()[:n], work / "corpus")
print(f"corpus: {n} PubMedQA abstracts")
PYTHON

for device in cuda cpu; do
  echo "== citewise ingest --device $device"
  "$PY" -m assistant.cli --home "$WORK/home-$device" ingest --quiet --device "$device" "$WORK/corpus"
done

"$PY" - "$WORK" <<'PYTHON'
import json
import sys
from pathlib import Path

import numpy as np

work = Path(sys.argv[1])
def generation(device):
    index = work / f"home-{device}" / "index"
    return index / (index / "CURRENT").read_text().strip()
gpu, cpu = generation("cuda"), generation("cpu")
for name in ("vectors.npy", "sentences.npy"):
    a, b = np.load(gpu / name), np.load(cpu / name)
    assert a.shape == b.shape, (name, a.shape, b.shape)
    cos = (a * b).sum(axis=1)
    print(f"{name}: {len(a)} vectors, cosine GPU vs CPU min {cos.min():.6f} mean {cos.mean():.6f}")
    if cos.min() < 0.999:
        sys.exit(f"FAIL: {name} differs beyond fp16 tolerance")
print("OK: the GPU writes the CPU's vectors within fp16 tolerance")
PYTHON
