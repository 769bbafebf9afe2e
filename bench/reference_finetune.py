"""PyTorch-eager reference for bench/Measure-Training.ps1: one BERT fine-tuning (sequence
classification) training step.

Hugging Face's BertForSequenceClassification written in plain torch (transformers is not
installed), on the encoder of reference_mlm.py: the pooler (dense + tanh on [CLS]), dropout 0.1,
the classifier, cross-entropy; AdamW without decay on biases and LayerNorm, gradient clipping at
1.0 and a linear warmup/decay schedule stepped each step, as HF's Trainer runs it. Full-length
examples of ordinary word pieces, four classes, the same shapes as the BertAdapt bench's
fine-tune rows. Prints one JSON object per row on stdout.

usage: /usr/bin/python3 reference_finetune.py --threads 2 --rows mini:128:32,small:128:32 --warmup 2 --steps 5
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from reference_mlm import PRESETS, VOCAB, BertEncoderModel, common_arguments, emit, initialise, optimizer_for, rows_of, timed_steps

LABELS = 4


class BertForSequenceClassification(nn.Module):
    def __init__(self, layers, h, labels, p=0.1):
        super().__init__()
        self.bert = BertEncoderModel(layers, h, p)
        self.pooler = nn.Linear(h, h)
        self.dropout = nn.Dropout(p)
        self.classifier = nn.Linear(h, labels)
        initialise(self)

    def forward(self, ids, types, attention_mask, labels):
        pooled = torch.tanh(self.pooler(self.bert(ids, types, attention_mask)[:, 0]))
        return F.cross_entropy(self.classifier(self.dropout(pooled)), labels)


def batch(rows, length, generator):
    ids = torch.randint(1000, VOCAB, (rows, length), generator=generator)
    ids[:, 0], ids[:, -1] = 101, 102
    labels = torch.randint(0, LABELS, (rows,), generator=generator)
    return ids, torch.zeros_like(ids), torch.ones_like(ids), labels


def linear_schedule(opt, warmup, total):
    """HF's get_linear_schedule_with_warmup: 0 -> 1 over warmup steps, then linearly to 0 at total."""
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))


def measure(preset, length, rows, warmup, steps):
    torch.manual_seed(42)
    layers, h = PRESETS[preset]
    model = BertForSequenceClassification(layers, h, LABELS)
    opt = optimizer_for(model)
    g = torch.Generator().manual_seed(42)
    data = [batch(rows, length, g) for _ in range(4)]
    total = warmup + steps
    step_s, optimizer_s, loss = timed_steps(model, opt, data, warmup, steps, linear_schedule(opt, max(1, total // 10), total))
    return {"job": "fine-tune", "preset": preset, "length": length, "batch": rows, "step_s": step_s,
            "optimizer_s": optimizer_s, "tokens_per_s": rows * length / step_s, "loss": loss}


def main():
    a = common_arguments().parse_args()
    torch.set_num_threads(a.threads)
    for preset, length, rows in rows_of(a.rows):
        emit(measure(preset, length, rows, a.warmup, a.steps))


if __name__ == "__main__":
    sys.exit(main())
