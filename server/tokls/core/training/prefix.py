"""Training only the top layers of an encoder, from cached hidden states of the frozen ones.

When LoRA adapts only the top ``K`` layers (and the head), the layers below never change: the
hidden states entering layer ``N - K`` are the same for a sentence in every epoch. :class:`FrozenPrefix`
computes them once (``states``, eval mode, no gradient, kept in fp16), then runs the top layers
and the head on them (``logits``): a CPU epoch then costs the top layers only. This is how
``scripts/train_sentiment.py --preset large`` trains the two top layers of all-mpnet-base-v2 on a
CPU (the ten frozen layers are run once instead of once per epoch).

The top run reuses the encoder's own forward (its layer list swapped for the top slice, so its
position bias and attention mask are built exactly as in the full model) and the model's
``classifier`` head on the sequence output (the shape of MPNet and RoBERTa classifiers).
:meth:`FrozenPrefix.check` compares it with the full model on a few sentences; the training script
refuses to use it when they differ. The frozen layers run without dropout (eval mode), which is the
one difference from training the full model.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

__all__ = ["FrozenPrefix", "top_layer_targets"]


def top_layer_targets(first: int, count: int) -> str:
    """A LoRA target regex: the attention and feed-forward linears of layers ``first`` … ``count - 1``
    (MPNet's ``attention.attn.q/k/v/o`` and BERT's ``attention.self.query/key/value`` alike)."""
    layers = "|".join(str(i) for i in range(first, count))
    return (rf".*encoder\.layer\.({layers})\.(attention\.(attn\.(q|k|v|o)|self\.(query|key|value)|output\.dense)"
            r"|intermediate\.dense|output\.dense)")


class FrozenPrefix:
    """The hidden states entering layer ``start`` of a sequence classifier, and the top run from them."""

    def __init__(self, model, start: int) -> None:
        inner = model.get_base_model() if hasattr(model, "get_base_model") else model
        self.body = getattr(inner, inner.base_model_prefix)
        self.encoder = self.body.encoder
        self.layers = self.encoder.layer
        if not 0 < start < len(self.layers):
            raise ValueError(f"the first trained layer must be between 1 and {len(self.layers) - 1}, not {start}")
        if getattr(inner, "classifier", None) is None:
            raise ValueError(f"{type(inner).__name__} has no `classifier` head on its sequence output")
        self.inner = inner
        self.head = inner.classifier
        self.config = inner.config
        self.start = start

    @contextmanager
    def _only(self, layers) -> Iterator[None]:
        import torch

        saved = self.encoder.layer
        self.encoder.layer = torch.nn.ModuleList(layers)
        try:
            yield
        finally:
            self.encoder.layer = saved

    def states(self, encoded: Sequence[Sequence[int]], pad_id: int, batch_size: int = 64, half: bool = True) -> list:
        """Per text, its hidden states entering layer ``start`` (``[length, hidden]``, fp16 unless ``half`` is false)."""
        import torch

        from ..classify import pad

        out: list = [None] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        was_training = self.body.training
        self.body.eval()
        try:
            with torch.inference_mode(), self._only(list(self.layers)[: self.start]):
                for s in range(0, len(order), batch_size):
                    idx = order[s : s + batch_size]
                    ids, mask = pad([encoded[i] for i in idx], pad_id)
                    device = next(self.body.parameters()).device
                    hidden = self.body(input_ids=torch.from_numpy(ids).to(device),
                                       attention_mask=torch.from_numpy(mask).to(device))[0]
                    for row, i in enumerate(idx):  # kept in host memory, whatever the device
                        out[i] = hidden[row, : len(encoded[i])].to("cpu", torch.float16 if half else torch.float32)
        finally:
            self.body.train(was_training)
        return out

    def logits(self, states: Sequence):
        """The classifier's logits for a batch of cached states (padded here); gradients flow."""
        import torch
        from transformers.masking_utils import create_bidirectional_mask

        length = max(int(s.shape[0]) for s in states)
        hidden = torch.zeros(len(states), length, int(states[0].shape[1]))
        mask = torch.zeros(len(states), length, dtype=torch.long)
        for row, s in enumerate(states):
            hidden[row, : s.shape[0]] = s.float()
            mask[row, : s.shape[0]] = 1
        device = next(self.body.parameters()).device
        hidden, mask = hidden.to(device), mask.to(device)
        full_mask = create_bidirectional_mask(config=self.config, inputs_embeds=hidden, attention_mask=mask)
        with self._only(list(self.layers)[self.start :]):
            sequence = self.encoder(hidden, attention_mask=full_mask)[0]
        return self.head(sequence)

    def predict(self, states: Sequence, batch_size: int = 64) -> list[list[float]]:
        """Logits of every cached text (eval mode, length-sorted batches, original order out)."""
        import torch

        order = sorted(range(len(states)), key=lambda i: int(states[i].shape[0]))
        out: list[list[float]] = [[]] * len(states)
        was_training = self.inner.training
        self.inner.eval()
        try:
            with torch.inference_mode():
                for s in range(0, len(order), batch_size):
                    idx = order[s : s + batch_size]
                    for i, row in zip(idx, self.logits([states[i] for i in idx]).float().tolist()):
                        out[i] = row
        finally:
            self.inner.train(was_training)
        return out

    def check(self, model, encoded: Sequence[Sequence[int]], pad_id: int) -> float:
        """The largest logit gap between the top run on cached states and the full model."""
        from .evaluate import predict_logits

        full = predict_logits(model, encoded, pad_id)
        # fp32 states for the check: the gap measures the top run, not the fp16 storage
        top = self.predict(self.states(encoded, pad_id, half=False))
        return max(abs(a - b) for fr, tr in zip(full, top) for a, b in zip(fr, tr))
