#!/usr/bin/env bash
# Install code-server (VS Code in the browser) and Playwright into a cache directory outside the
# repository, working around the three things that break its install on a machine that reaches
# only the package registries (see the project's notes on real editors):
#   1. system packages: libkrb5-dev (node-pty/kerberos build), ripgrep, chromium;
#   2. node-pty's postinstall runs `npx node-gyp` and must not prompt (npm_config_yes=true), and
#      code-server's own postinstall refuses root unless npm_config_unsafe_perm=true;
#   3. @vscode/ripgrep downloads a binary from GitHub: pre-seed its cache with Debian's rg.
# Idempotent: a finished install leaves a stamp file and is reused.
#
# Usage: tests/vscode/install-code-server.sh            prints the install directory
# Env:   TOKLS_VSCODE_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/tokls-vscode)
#        CODE_SERVER_VERSION (default 4.100.3, the last release that runs on Node 20)
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE="${TOKLS_VSCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tokls-vscode}"
DEST="$CACHE/code-server-$CODE_SERVER_VERSION"
PYENV="$CACHE/playwright-venv"
log() { echo "[install-code-server] $*" >&2; }

need_apt=()
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

if [ ! -f "$DEST/.installed" ]; then
  log "installing code-server@$CODE_SERVER_VERSION into $DEST"
  rm -rf "$DEST"
  mkdir -p "$DEST"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # @vscode/ripgrep 1.15.11 looks for this tarball before it tries to download.
  rgcache="$tmp/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$rgcache/stage"
  cp "$(command -v rg)" "$rgcache/stage/rg"
  tar -C "$rgcache/stage" -czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  echo '{"name":"tokls-code-server","private":true}' > "$DEST/package.json"
  (cd "$DEST" && TMPDIR="$tmp" npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund \
      --loglevel=error "code-server@$CODE_SERVER_VERSION" >&2)
  "$DEST/node_modules/.bin/code-server" --version >/dev/null
  touch "$DEST/.installed"
fi

if [ ! -f "$PYENV/.installed" ]; then
  log "installing Playwright (PyPI) into $PYENV (no browser download: it drives /usr/bin/chromium)"
  rm -rf "$PYENV"
  python3 -m venv "$PYENV"
  "$PYENV/bin/pip" install -q --disable-pip-version-check "playwright==${PLAYWRIGHT_VERSION:-1.65.2}" >&2
  touch "$PYENV/.installed"
fi

echo "$DEST"
