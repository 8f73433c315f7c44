#!/usr/bin/env bash
# Set-up and the main job: install (into the active virtual environment, else .venv), then check
# the sample documents with the default tokenizer.
# `tokls check` exits 1 when it finds truncated inputs, which the samples are meant to show.
#   TOKLS_PROFILE=editor bash scripts/demo.sh    tokenization only (no torch)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh "${TOKLS_PROFILE:-full}"
# shellcheck source=python-env.sh
. scripts/python-env.sh
set +e
"$PY" -m tokls check samples/
rc=$?
set -e
if [ "$rc" -eq 1 ]; then
  echo "(exit status 1: some inputs are longer than the model reads, as the samples are meant to show)"
  rc=0
fi
if [ -z "${VIRTUAL_ENV:-}" ] && [ -n "${TOKLS_CREATED_VENV:-}" ]; then
  echo "(tokls is installed in ${TOKLS_CREATED_VENV#"$PWD"/}: run 'source ${TOKLS_CREATED_VENV#"$PWD"/}/bin/activate' to use it from your shell)"
fi
exit "$rc"
