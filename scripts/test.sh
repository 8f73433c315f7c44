#!/usr/bin/env bash
# The whole test suite: core, LSP end-to-end and real-editor tests (pytest), then the VS Code
# client (build, package, unit tests, code-server end-to-end).
# Runs in the same Python as scripts/demo.sh (the active virtual environment, else .venv) and
# first makes sure the test tools are installed there (scripts/install.sh dev).
#   TOKLS_SKIP_VSCODE=1   skip the VS Code tier (it installs code-server and Chromium)
#   extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"`
# The default selection includes every tier: core, LSP, editors, slow and the robustness campaign
# (tests/robustness, marker `robustness`, each test bounded by timeouts; `-m robustness` runs it alone).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
# shellcheck source=python-env.sh
. scripts/python-env.sh
export PYTHON="$PY"

bash scripts/install-editors.sh

set +e
"$PY" -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
[ "$rc" -eq 0 ] || exit "$rc"

if [ "${TOKLS_SKIP_VSCODE:-0}" = "1" ]; then
  echo "VS Code tier skipped (TOKLS_SKIP_VSCODE=1)"
elif [ -f scripts/test-vscode.sh ]; then
  TOKLS_PYTHON="$PY" bash scripts/test-vscode.sh
fi
