"""Export a classifier to ONNX once, into the tokls cache (torch and transformers needed here only).

:func:`cache_key` names an export by the checkpoint it comes from without loading anything heavy:
for an adapter (the embedded model, a ``tokls train --lora`` folder) a hash of the adapter files
and of its base; for a full checkpoint a hash of its config and the names, sizes and modification
times of its files. :func:`export` resolves the checkpoint (merging an adapter as the torch backend
does), traces it with ``torch.onnx.export`` (eager attention, dynamic batch and length), checks
the graph against torch on a padded batch, quantizes the weights to int8 (dynamic quantization,
per channel), fuses the fp32 graph with ONNX Runtime's transformer optimizer where the architecture
is one it knows (BERT-like encoders: embeddings + layer norm, attention, GELU and skip + layer norm
become single fused operators; checked against torch again, else the plain graph is kept), and
writes, into ``<cache>/onnx/<key>/``:

- ``model.onnx`` (fp32, fused when it could be) and ``model.int8.onnx`` (from the plain graph,
  or for a BERT classifier from one whose last layer computes the [CLS] row only, when that graph
  gives the same logits: :mod:`.onnx_cls`); the backend runs int8 only where :func:`int8_default`
  says it keeps accuracy;
- ``tokenizer.json`` (the fast tokenizer exactly as the torch backend builds it),
  ``tokenizer_config.json``, ``config.json`` and ``tokls_checkpoint.json`` when the checkpoint has one;
- ``manifest.json``, written last: the format, the graph files, the pad id, where the model
  came from and the versions that exported it. A folder without it is not an export.

Everything is written to a temporary folder that is renamed into place, so two processes never see
half an export. Hugging Face Optimum is not used: ``optimum-onnx`` pins transformers below 4.58.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..cachedir import tokls_cache
from ..checkpoints import (
    ADAPTER_FILE_SUFFIXES,
    METADATA_FILE,
    ClassifierError,
    ModelLoadError,
    preset_folder,
    preset_of,
    read_json,
    read_metadata,
    resolve_base,
    check_tokenizer,
    resolve_model,
)

__all__ = ["EXPORT_FORMAT", "MANIFEST", "NotExportable", "cache_key", "cache_root", "export", "int8_default"]

log = logging.getLogger(__name__)

EXPORT_FORMAT = "tokls-onnx/3"  # 2: the fp32 graph is fused; 3: int8 from the [CLS]-only graph (older exports are rebuilt)
MANIFEST = "manifest.json"
OPSET = 17
HEAD_NAMES = ("classifier", "score", "out_proj")
#: config.model_type → the transformer optimizer's model type (encoders whose fusions it knows)
FUSABLE = {"bert": "bert", "roberta": "bert", "xlm-roberta": "bert", "distilbert": "bert", "electra": "bert"}
#: the largest logit gap to torch that a graph (plain or fused) may have
MAX_GAP = 1e-3
#: Whether the embedded model runs its int8 graph: only when that loses at most 0.5 accuracy points
#: on its test split (benchmarks/onnx_precision.py; tests/core/test_onnx_backend.py checks it). The
#: three-way model of the GPU retraining loses 0.16 (84.54% → 84.38%, the int8 graph traced with its
#: last layer on [CLS] only), so it runs int8 (the first three-way model lost 0.54 and stayed fp32).
#: Other checkpoints run fp32: tokls has no data to check them on.
EMBEDDED_INT8 = True
#: The presets that run int8 by default, each measured the same way (the large preset: see its model card).
INT8_PRESETS = {"sentiment": EMBEDDED_INT8, "sentiment-large": False}
_lock = threading.Lock()


class NotExportable(ClassifierError):
    """The checkpoint could not be exported to ONNX (the reason is the message)."""


def cache_root() -> Path:
    """``$TOKLS_ONNX_CACHE``, else ``onnx`` in the tokls cache (``$XDG_CACHE_HOME/tokls`` or ``~/.cache/tokls``)."""
    if os.environ.get("TOKLS_ONNX_CACHE"):
        return Path(os.environ["TOKLS_ONNX_CACHE"]).expanduser()
    return tokls_cache("onnx")


def _is_embedded(name: str) -> bool:
    return preset_of(name) is not None


def _folder_of(name: str) -> Path:
    """The folder the name stands for, without merging or loading (hub ids: the cached snapshot)."""
    name = name.strip()
    if _is_embedded(name):
        return preset_folder(name)
    path = Path(name).expanduser()
    if path.is_dir():
        return path.resolve()
    # a hub id: its cached snapshot (a hub adapter comes back merged); otherwise the resolver's error
    return resolve_model(name).path


def cache_key(name: str, progress=None) -> str:
    """The name of ``name``'s export folder (see the module docstring); raises the resolver's errors.
    ``progress`` hears of a packaged base being extracted (its first use)."""
    folder = _folder_of(name)
    digest = hashlib.sha256(EXPORT_FORMAT.encode() + b"\0")
    if (folder / "adapter_config.json").is_file():
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.suffix in ADAPTER_FILE_SUFFIXES:  # a new model card is not a new model
                digest.update(f.name.encode() + b"\0" + f.read_bytes())
        meta = read_metadata(folder)
        base_name = meta.get("base") or read_json(folder / "adapter_config.json").get("base_model_name_or_path")
        if not base_name:
            raise ModelLoadError(f"The adapter in {folder} does not name its base model.")
        folder = resolve_base(str(base_name), progress)
        digest.update(b"base\0")
    for f in sorted(folder.iterdir()):
        if f.is_file():
            st = f.stat()
            digest.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}\0".encode())
            if f.suffix == ".json":
                digest.update(f.read_bytes())
    return digest.hexdigest()[:24]


def int8_default(name: str) -> bool:
    """Whether ``name`` runs its int8 graph (see :data:`EMBEDDED_INT8` and :data:`INT8_PRESETS`)."""
    return INT8_PRESETS.get(preset_of(name) or "", False)


def export(name: str, target: Path, *, progress=None) -> Path:
    """Export ``name`` into ``target`` (once; a finished export is returned as is)."""
    if (target / MANIFEST).is_file():
        return target
    with _lock:
        if (target / MANIFEST).is_file():
            return target
        if progress:
            progress("Exporting the classifier to ONNX (first use only)", None)
        resolved = resolve_model(name, progress)
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError as exc:
            raise NotExportable("exporting to ONNX needs torch and transformers (pip install 'tokls[train]')") from exc
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
        try:
            with _quiet():
                manifest = _write(resolved, tmp)
            manifest["source"] = resolved.source
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            try:
                os.rename(tmp, target)
            except OSError:
                if not (target / MANIFEST).is_file():
                    raise
        except ClassifierError:
            raise
        except Exception as exc:  # noqa: BLE001 - the exporter raises many kinds
            raise NotExportable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


class _ErrorsOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@contextmanager
def _quiet() -> Iterator[None]:
    """No tracer warnings, and no root-logger advice from the quantizer (it logs through ``logging.warning``)."""
    root = logging.getLogger()
    errors_only = _ErrorsOnly()
    placeholder = logging.NullHandler() if not root.handlers else None  # keeps logging.warning from basicConfig()
    if placeholder:
        root.addHandler(placeholder)
    root.addFilter(errors_only)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(errors_only)
        if placeholder:
            root.removeHandler(placeholder)


def _write(resolved, out: Path) -> dict:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from ..hf_quiet import quiet_transformers

    with quiet_transformers():
        model, info = AutoModelForSequenceClassification.from_pretrained(
            str(resolved.path), trust_remote_code=False, attn_implementation="eager", output_loading_info=True,
            use_safetensors=True,
        )
        hf_tok = AutoTokenizer.from_pretrained(str(resolved.tokenizer_path), trust_remote_code=False)
    missing = [k for k in info.get("missing_keys", ()) if any(h in k for h in HEAD_NAMES)]
    if missing:
        raise ModelLoadError(
            f"'{resolved.name}' is not a sequence-classification checkpoint: its classifier head "
            f"({', '.join(sorted(missing)[:3])}) is missing. Train one with `tokls train`."
        )
    model.eval()
    fast = getattr(hf_tok, "backend_tokenizer", None)
    if fast is None:
        raise NotExportable("the tokenizer has no fast (tokenizers) backend")
    # the same refusals as the torch backend: no vocabulary, or one that is not the model's
    check_tokenizer(fast, getattr(model.config, "vocab_size", None), resolved.name)
    (out / "tokenizer.json").write_text(fast.to_str(), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": hf_tok.model_max_length}) + "\n", encoding="utf-8")
    model.config.to_json_file(str(out / "config.json"))
    if (resolved.path / METADATA_FILE).is_file():
        shutil.copyfile(resolved.path / METADATA_FILE, out / METADATA_FILE)
    pad_id = hf_tok.pad_token_id
    if pad_id is None:
        pad_id = getattr(model.config, "pad_token_id", None)
    if pad_id is None:
        pad_id = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else 0
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = pad_id

    # a padded batch of two: the trace must take the masked path
    ids = torch.tensor([[101, 7592, 2088, 2003, 102], [101, 7592, 102, pad_id, pad_id]], dtype=torch.long)
    ids = ids.clamp(max=model.config.vocab_size - 1)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.long)
    plain = out / "model.plain.onnx"
    _export(model, (ids, mask), plain)
    with torch.inference_mode(False), torch.no_grad():
        expected = model(input_ids=ids, attention_mask=mask).logits.float().numpy()
    gap = _gap(plain, ids.numpy(), mask.numpy(), expected)
    if gap > MAX_GAP:
        raise NotExportable(f"the exported graph differs from torch by {gap:.3g} in the logits")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    cls_graph = _cls_only_graph(model, (ids, mask), expected, out / "model.cls.onnx")
    int8_source, int8_from = (cls_graph, "cls-only last layer") if cls_graph else (plain, "full")
    quantize_dynamic(str(int8_source), str(out / "model.int8.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    (out / "model.cls.onnx").unlink(missing_ok=True)
    fp32 = out / "model.onnx"
    fused = _fuse(plain, fp32, model.config)
    if fused:
        fused_gap = _gap(fp32, ids.numpy(), mask.numpy(), expected)
        if fused_gap > MAX_GAP:
            log.warning("the fused ONNX graph differs from torch by %.3g; keeping the plain one", fused_gap)
            fused = {}
        else:
            gap = fused_gap
    if not fused:
        fp32.unlink(missing_ok=True)
        plain.rename(fp32)
    else:
        plain.unlink()
    files = {"fp32": fp32.name, "int8": "model.int8.onnx"}
    import onnxruntime
    import transformers

    return {
        "format": EXPORT_FORMAT,
        "files": files,
        "pad_id": int(pad_id),
        "opset": OPSET,
        "max_logit_gap_fp32": gap,
        "fused": fused,
        "int8_from": int8_from,
        "exported_with": {"torch": torch.__version__, "transformers": transformers.__version__,
                          "onnxruntime": onnxruntime.__version__},
    }


def _export(module, inputs, path: Path) -> None:
    import torch

    with torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(
            module, inputs, str(path), input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
                          "logits": {0: "batch"}},
            opset_version=OPSET, dynamo=False,
        )


def _cls_only_graph(model, inputs, expected, path: Path) -> Path | None:
    """``path`` holding the graph whose last layer computes [CLS] only (:mod:`.onnx_cls`), when the
    model is of that shape and the graph gives its logits; else None (the full graph is used)."""
    from . import onnx_cls

    if not onnx_cls.supports(model):
        return None
    try:
        _export(onnx_cls.cls_only(model), inputs, path)
        gap = _gap(path, inputs[0].numpy(), inputs[1].numpy(), expected)
    except Exception as exc:  # noqa: BLE001 - the exporter raises many kinds; the full graph still works
        log.info("the [CLS]-only graph was not exported: %s: %s", type(exc).__name__, exc)
        path.unlink(missing_ok=True)
        return None
    if gap > MAX_GAP:
        log.warning("the [CLS]-only ONNX graph differs from torch by %.3g; the int8 graph keeps every row", gap)
        return None
    return path


def _gap(path: Path, ids, mask, expected) -> float:
    import numpy as np

    gap = float(np.abs(_run(path, ids, mask) - expected).max())
    return gap if np.isfinite(gap) else float("inf")


def _fuse(plain: Path, target: Path, config) -> dict:
    """Write the fused graph of ``plain`` to ``target``; the fused operators' counts, or {} (not fused)."""
    model_type = FUSABLE.get(getattr(config, "model_type", ""))
    heads, hidden = getattr(config, "num_attention_heads", 0), getattr(config, "hidden_size", 0)
    if model_type is None or not heads or not hidden:
        return {}
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        # opt_level 0: only the optimizer's own fusions; the session applies the machine-specific rest
        optimized = optimize_model(str(plain), model_type=model_type, num_heads=int(heads), hidden_size=int(hidden),
                                   opt_level=0)
        counts = {k: int(v) for k, v in optimized.get_fused_operator_statistics().items() if v}
        if not counts.get("Attention") and not counts.get("MultiHeadAttention"):
            return {}  # the attention did not fuse: nothing worth the risk
        optimized.save_model_to_file(str(target))
        return counts
    except Exception as exc:  # noqa: BLE001 - the optimizer raises many kinds; the plain graph still works
        log.info("ONNX graph fusion skipped: %s: %s", type(exc).__name__, exc)
        target.unlink(missing_ok=True)
        return {}


def _run(path: Path, ids, mask):
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
