#!/usr/bin/env bash
# The set-up path on a stock Debian/Ubuntu Python (PEP 668: "externally managed"), as a new user
# runs it: a fresh clone of this repository's HEAD, `bash scripts/demo.sh` with the system
# python3, which must create .venv, install into it (the light 'editor' profile, to keep this
# quick) and check the samples — without touching the system Python.
#   SYSTEM_PYTHON=/usr/bin/python3 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
sys_py="${SYSTEM_PYTHON:-/usr/bin/python3}"
if [ ! -x "$sys_py" ]; then
  echo "check-system-python: no $sys_py here; nothing to check"
  exit 0
fi
marker="$("$sys_py" -c 'import sysconfig, os; p = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"); print(p if os.path.exists(p) else "")')"
[ -n "$marker" ] || echo "check-system-python: $sys_py is not externally managed; checking the set-up path anyway"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet . "$work/tokls"
before="$("$sys_py" -m pip list --disable-pip-version-check 2>/dev/null | md5sum || true)"
out="$(cd "$work/tokls" && env -u VIRTUAL_ENV PYTHON="$sys_py" TOKLS_PROFILE=editor bash scripts/demo.sh 2>&1)" || {
  echo "$out" >&2; echo "check-system-python: scripts/demo.sh failed with $sys_py" >&2; exit 1; }
after="$("$sys_py" -m pip list --disable-pip-version-check 2>/dev/null | md5sum || true)"
fail() { echo "$out" >&2; echo "check-system-python: $*" >&2; exit 1; }
[ -x "$work/tokls/.venv/bin/python" ] || fail "no .venv was created"
grep -q "tokens · bert-base-uncased" <<<"$out" || fail "the demo did not print the sample counts"
grep -q "source .venv/bin/activate" <<<"$out" || fail "the demo did not say how to activate .venv"
[ "$before" = "$after" ] || fail "the system Python's packages changed"
"$work/tokls/.venv/bin/python" -c 'import tokls, sys; assert sys.prefix != sys.base_prefix' || fail "tokls not in .venv"
echo "check-system-python: ok ($sys_py${marker:+, externally managed}: demo.sh created .venv and ran tokls check)"
