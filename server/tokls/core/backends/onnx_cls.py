"""The exported graph of a BERT classifier that computes its last layer for the [CLS] row only.

A BERT sequence classifier reads one vector of its encoder: the last layer's output at position 0
(pooler → classifier). Every other row of that layer — its query projection, attention output
and feed-forward network — is computed and thrown away. :func:`cls_only` wraps a
``BertForSequenceClassification`` so that the last layer attends from [CLS] alone (its keys and
values still come from every token, as they must): the same logits with about an eighth less
work for MiniLM-L6 (one layer in six, less its keys and values), more on long windows, where the
full layer's attention is 512 × 512. The export compares its logits with the full model's and
keeps the full graph when they differ (``onnx_export``).

The layers are written here from their weights (the attention of a BERT layer is a few lines of
torch), not called through transformers' modules, whose call signatures change between
releases; only the embeddings, pooler and classifier modules are called, with their stable
arguments. torch is imported inside the functions: ``tokls.core`` imports no torch at module level.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["cls_only", "supports"]


def supports(model: Any) -> bool:
    """Whether ``model`` is a BERT classifier of the shape :func:`cls_only` computes exactly."""
    config = getattr(model, "config", None)
    bert = getattr(model, "bert", None)
    if config is None or bert is None or getattr(config, "model_type", None) != "bert":
        return False
    if getattr(config, "is_decoder", False) or getattr(config, "position_embedding_type", "absolute") != "absolute":
        return False
    if getattr(bert, "pooler", None) is None or getattr(model, "classifier", None) is None:
        return False
    layers = getattr(getattr(bert, "encoder", None), "layer", None)
    if not layers:
        return False
    for layer in layers:
        attention = getattr(getattr(layer, "attention", None), "self", None)
        if attention is None or not all(hasattr(attention, n) for n in ("query", "key", "value", "attention_head_size")):
            return False
        if not hasattr(layer, "intermediate") or not hasattr(layer, "output"):
            return False
    return True


def cls_only(model: Any) -> Any:
    """A module ``(input_ids, attention_mask) → logits`` equal to ``model``'s, last layer on [CLS] only."""
    import torch
    from torch import nn

    heads = int(model.config.num_attention_heads)

    def layer_forward(layer: Any, hidden: torch.Tensor, additive_mask: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """One BERT layer (post-LayerNorm) for the query ``rows`` over all of ``hidden``."""
        attention = layer.attention.self
        size = int(attention.attention_head_size)

        def split(x: torch.Tensor) -> torch.Tensor:
            return x.view(x.shape[0], x.shape[1], heads, size).transpose(1, 2)

        query, key, value = split(attention.query(rows)), split(attention.key(hidden)), split(attention.value(hidden))
        scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(size) + additive_mask
        context = torch.matmul(scores.softmax(-1), value).transpose(1, 2)
        context = context.reshape(rows.shape[0], rows.shape[1], heads * size)
        attended = layer.attention.output.LayerNorm(layer.attention.output.dense(context) + rows)
        inner = layer.intermediate.intermediate_act_fn(layer.intermediate.dense(attended))
        return layer.output.LayerNorm(layer.output.dense(inner) + attended)

    class ClsOnly(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            bert = self.model.bert
            hidden = bert.embeddings(input_ids=input_ids)
            additive = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
            layers = bert.encoder.layer
            for layer in layers[:-1]:
                hidden = layer_forward(layer, hidden, additive, hidden)
            cls = layer_forward(layers[-1], hidden, additive, hidden[:, :1])
            pooled = bert.pooler.activation(bert.pooler.dense(cls[:, 0]))
            return self.model.classifier(pooled)

    return ClsOnly().eval()
