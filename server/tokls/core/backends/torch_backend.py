"""The torch backend: any ``AutoModelForSequenceClassification`` checkpoint, run with torch.

``load`` resolves the name (:func:`tokls.core.checkpoints.resolve_model`: the embedded model, a
folder, a hub id; adapters merged once), loads the model and its fast tokenizer with
transformers (never with ``trust_remote_code``), and picks the device (``auto``: CUDA when
present; fp16 there). ``forward`` runs a padded batch under ``torch.inference_mode()``. torch and transformers
are imported only when a model is loaded.
"""

from __future__ import annotations

import logging

import numpy as np

from ..checkpoints import ModelLoadError, check_tokenizer, read_metadata, resolve_model
from ..hf_quiet import quiet_transformers
from ..tokenizers import max_length_from, special_layout
from . import Loaded, ModelInfo, Progress, temperature_of

__all__ = ["TorchBackend", "load"]

log = logging.getLogger(__name__)

_FALLBACK_MAX_LENGTH = 512
_HEAD_NAMES = ("classifier", "score", "out_proj")


class TorchBackend:
    """A transformers sequence-classification model in eval mode on one device."""

    name = "torch"

    def __init__(self, model, device: str) -> None:
        import torch

        self._torch = torch
        self.model = model
        self.device = device

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        torch = self._torch
        ids = torch.from_numpy(input_ids)
        # no padding in this batch: no mask (lets attention take its unmasked fast path)
        mask = None if attention_mask.all() else torch.from_numpy(attention_mask)
        if self.device != "cpu":
            ids = ids.to(self.device)
            mask = mask.to(self.device) if mask is not None else None
        with torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask).logits.float()
        return logits.cpu().numpy()


def _device(torch, want: str) -> str:
    if want in ("auto", "cuda") and torch.cuda.is_available():
        return "cuda"
    if want == "cuda":
        log.warning("classifier.device is 'cuda' but CUDA is not available; using the CPU")
    return "cpu"


def load(model: str, *, device: str = "auto", progress: Progress | None = None) -> Loaded:
    resolved = resolve_model(model, progress)
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:
        raise ModelLoadError("Classification needs torch and transformers: pip install 'tokls[classify]'") from exc
    where = _device(torch, device)
    try:
        with quiet_transformers():
            net, info = AutoModelForSequenceClassification.from_pretrained(
                str(resolved.path), trust_remote_code=False, output_loading_info=True, use_safetensors=True
            )
            hf_tok = AutoTokenizer.from_pretrained(str(resolved.tokenizer_path), trust_remote_code=False)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ModelLoadError(f"Could not load classifier '{model}' ({resolved.source}): {exc}") from exc
    missing = [k for k in info.get("missing_keys", ()) if any(h in k for h in _HEAD_NAMES)]
    if missing:
        raise ModelLoadError(
            f"'{model}' is not a sequence-classification checkpoint: its classifier head "
            f"({', '.join(sorted(missing)[:3])}) is missing. Train one with `tokls train`."
        )
    fast = getattr(hf_tok, "backend_tokenizer", None)
    if fast is None:
        raise ModelLoadError(f"The tokenizer of '{model}' has no fast (tokenizers) backend.")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(fast.to_str())
    tok.no_truncation()
    tok.no_padding()
    check_tokenizer(tok, getattr(net.config, "vocab_size", None), model)
    prefix, suffix = special_layout(tok)
    config = net.config
    id2label = getattr(config, "id2label", None) or {}
    labels = tuple(str(id2label.get(i, id2label.get(str(i), f"LABEL_{i}"))) for i in range(int(config.num_labels)))
    max_length = max_length_from({"model_max_length": hf_tok.model_max_length}, config.to_dict())
    max_length = max_length or _FALLBACK_MAX_LENGTH
    if max_length <= len(prefix) + len(suffix):
        raise ModelLoadError(f"'{model}' has a maximum length ({max_length}) too small to hold text.")
    pad_id = hf_tok.pad_token_id
    if pad_id is None:
        pad_id = getattr(config, "pad_token_id", None)
    if pad_id is None:
        pad_id = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else 0
    if getattr(config, "pad_token_id", None) is None:
        config.pad_token_id = pad_id  # decoder-only heads find the last token through it
    net.eval()
    net.to(where)
    if where == "cuda" and torch.cuda.get_device_capability()[0] >= 6:
        net.half()  # fp16 on GPUs with fast half precision; forward returns float32 logits
    return Loaded(
        TorchBackend(net, where),
        ModelInfo(
            tokenizer=tok,
            prefix=tuple(prefix),
            suffix=tuple(suffix),
            pad_id=int(pad_id),
            max_length=max_length,
            labels=labels,
            problem_type=getattr(config, "problem_type", None),
            source=resolved.source,
            temperature=temperature_of(read_metadata(resolved.path)),
        ),
    )
