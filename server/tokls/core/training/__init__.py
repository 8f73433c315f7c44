"""``tokls train``: fine-tune a sequence classifier on labelled text, on the CPU if need be.

- :mod:`.data`: examples from a CSV/TSV/JSONL file (or ``rotten-tomatoes``) and the seeded,
  stratified split;
- :mod:`.metrics`: accuracy, per-class F1, and their printed report;
- :mod:`.evaluate`: scoring the model in training, or a checkpoint through the run-time classifier;
- :mod:`.loop`: building the model (LoRA or full), the optimisation loop, the saved checkpoint.

torch, transformers and peft are imported inside the functions that need them.
"""

from .data import ROTTEN_TOMATOES, Example, Split, TrainError, load_examples, split_examples
from .evaluate import evaluate_checkpoint, evaluate_model
from .loop import TrainConfig, train
from .metrics import format_metrics, metrics

__all__ = [
    "ROTTEN_TOMATOES",
    "Example",
    "Split",
    "TrainConfig",
    "TrainError",
    "load_examples",
    "split_examples",
    "metrics",
    "format_metrics",
    "train",
    "evaluate_model",
    "evaluate_checkpoint",
]
