"""Training the top layers from cached states of the frozen ones (tokls.core.training.prefix), on
tiny random MPNet classifiers with LoRA on their top layers, as ``train_sentiment.py --preset large``
builds them."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.torch

IDS = [[0, 5, 6, 7, 2], [0, 9, 2], [0, 11, 12, 13, 14, 15, 16, 2], [0, 2]]


def _model(layers=4, first=2):
    import torch
    from peft import LoraConfig, TaskType, get_peft_model
    from transformers import MPNetConfig, MPNetForSequenceClassification

    from tokls.core.training.prefix import top_layer_targets

    torch.manual_seed(0)
    cfg = MPNetConfig(vocab_size=100, hidden_size=32, num_hidden_layers=layers, num_attention_heads=4,
                      intermediate_size=64, num_labels=3, pad_token_id=1,
                      initializer_range=0.3)  # large weights: every layer moves the logits
    lora = LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, target_modules=top_layer_targets(first, layers),
                      modules_to_save=["classifier"], init_lora_weights=False)  # non-zero LoRA: it must count
    return get_peft_model(MPNetForSequenceClassification(cfg), lora)


def test_lora_targets_only_the_top_layers():
    model = _model()
    adapted = {m.group(1) for n, _ in model.named_modules() if (m := re.search(r"layer\.(\d+)\..*lora_A$", n))}
    assert adapted == {"2", "3"}
    names = [n for n, _ in model.named_modules() if n.endswith("lora_A")]
    assert len(names) == 12  # q, k, v, o, intermediate, output in each of the two layers


def test_top_run_from_cached_states_gives_the_full_models_logits():
    from tokls.core.training.prefix import FrozenPrefix

    model = _model()
    prefix = FrozenPrefix(model, 2)
    assert prefix.check(model, IDS, pad_id=1) < 1e-5
    # states entering another layer are not the model's: the check sees it
    wrong = FrozenPrefix(model, 1)
    top = prefix.predict(wrong.states(IDS, 1, half=False))
    full = FrozenPrefix(model, 2).predict(prefix.states(IDS, 1, half=False))
    assert max(abs(a - b) for r, s in zip(top, full) for a, b in zip(r, s)) > 1e-2


def test_gradients_reach_only_the_trained_top():
    import torch

    from tokls.core.training.prefix import FrozenPrefix

    model = _model()
    prefix = FrozenPrefix(model, 2)
    states = prefix.states(IDS, pad_id=1)
    assert [tuple(s.shape) for s in states] == [(len(i), 32) for i in IDS]
    assert all(s.dtype == torch.float16 for s in states)
    model.train()
    loss = torch.nn.functional.cross_entropy(prefix.logits(states), torch.tensor([0, 1, 2, 1]))
    loss.backward()
    with_grad = {n for n, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
    assert with_grad and all(("layer.2." in n or "layer.3." in n or "classifier" in n) for n in with_grad)
    assert any("lora_A" in n for n in with_grad) and any("classifier" in n for n in with_grad)


def test_first_trained_layer_must_leave_a_prefix():
    from tokls.core.training.prefix import FrozenPrefix

    with pytest.raises(ValueError, match="between 1 and 3"):
        FrozenPrefix(_model(), 0)
