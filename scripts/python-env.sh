# Sourced by the set-up and test scripts: choose the Python that tokls is installed into and sets
# $PY to it.
#
#   - inside an active virtual environment (or with PYTHON pointing into one): that environment;
#   - otherwise the project's own virtual environment, $TOKLS_VENV (default: .venv in the
#     repository), created on first use from $PYTHON (default: python3). A system Python that is
#     "externally managed" (PEP 668, Debian/Ubuntu's own python3) is never installed into.
#     When the venv module or ensurepip is missing (Debian ships them as python3-venv), it is
#     installed with apt-get (as root, else through sudo) first.
# shellcheck shell=bash

_tokls_base="${PYTHON:-python3}"
if ! command -v "$_tokls_base" >/dev/null 2>&1; then
  echo "tokls: no Python found ($_tokls_base); install python3 (>= 3.10) or set PYTHON" >&2
  exit 1
fi

_in_venv() { "$1" -c 'import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)' 2>/dev/null; }

if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ] && [ -z "${PYTHON:-}" ]; then
  PY="$VIRTUAL_ENV/bin/python"
elif _in_venv "$_tokls_base"; then
  PY="$(command -v "$_tokls_base")"
else
  TOKLS_VENV="${TOKLS_VENV:-$PWD/.venv}"
  if [ ! -x "$TOKLS_VENV/bin/python" ]; then
    if ! "$_tokls_base" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      _ver="$("$_tokls_base" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
      echo "tokls: $_tokls_base has no venv/ensurepip; installing python3-venv and python$_ver-venv with apt-get" >&2
      _sudo=""; [ "$(id -u)" = 0 ] || _sudo="sudo"
      $_sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq python3-venv "python$_ver-venv" >/dev/null \
        || DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq python3-venv >/dev/null
    fi
    echo "tokls: creating a virtual environment in $TOKLS_VENV (from $("$_tokls_base" -c 'import sys; print(sys.executable)'))" >&2
    "$_tokls_base" -m venv "$TOKLS_VENV"
  fi
  PY="$TOKLS_VENV/bin/python"
  TOKLS_CREATED_VENV="$TOKLS_VENV"
fi
export PY
unset _tokls_base _ver _sudo
