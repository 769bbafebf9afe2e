"""PyTorch-eager reference for bench/Measure-Training.ps1: one BERT masked-LM training step.

The architecture follows Hugging Face's BertForMaskedLM (written here in plain torch, since
transformers is not installed): learned word/position/type embeddings, post-LayerNorm encoder
layers with eager softmax attention, exact-erf GELU, dropout 0.1, the prediction-head transform
and a decoder tied to the word embeddings. AdamW without decay on biases and LayerNorm, gradient
clipping at 1.0. Two heads, each measured as its own row ("head" in the JSON):

- "all": HF's way, the decoder projects EVERY position onto the vocabulary (labels are -100 where
  nothing is masked);
- "masked": the tuned way of NVIDIA's BERT, MosaicBERT and ModernBERT's sparse prediction: the
  hidden states of the masked positions are gathered first, and only those go through the
  transform and the vocabulary projection (what BertAdapt does).

Prints one JSON object per row and head on stdout.

usage: /usr/bin/python3 reference_mlm.py --threads 2 --rows mini:128:32,small:128:32 --warmup 2 --steps 5 [--heads all,masked]
"""
import argparse, json, os, math, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {"tiny": (2, 128), "mini": (4, 256), "small": (4, 512), "medium": (8, 512), "base": (12, 768)}
VOCAB = 30522


class SelfAttention(nn.Module):
    def __init__(self, h, heads, p):
        super().__init__()
        self.heads, self.size = heads, h // heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(p)

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.size).transpose(1, 2)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.size) + additive_mask
        probs = self.dropout(torch.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).contiguous()
        return context.view(x.shape[0], x.shape[1], -1)


class Layer(nn.Module):
    def __init__(self, h, heads, inter, p):
        super().__init__()
        self.attention = SelfAttention(h, heads, p)
        self.attention_dense, self.attention_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.intermediate, self.output = nn.Linear(h, inter), nn.Linear(inter, h)
        self.output_norm, self.dropout = nn.LayerNorm(h, eps=1e-12), nn.Dropout(p)

    def forward(self, x, mask):
        a = self.attention_norm(self.dropout(self.attention_dense(self.attention(x, mask))) + x)
        return self.output_norm(self.dropout(self.output(F.gelu(self.intermediate(a)))) + a)


class BertEncoderModel(nn.Module):
    """HF's BertModel without the pooler: embeddings and encoder layers; returns the last hidden states."""

    def __init__(self, layers, h, p=0.1):
        super().__init__()
        self.word, self.position, self.token_type = nn.Embedding(VOCAB, h, padding_idx=0), nn.Embedding(512, h), nn.Embedding(2, h)
        self.embed_norm, self.dropout = nn.LayerNorm(h, eps=1e-12), nn.Dropout(p)
        self.layers = nn.ModuleList([Layer(h, h // 64, 4 * h, p) for _ in range(layers)])

    def forward(self, ids, types, attention_mask):
        b, t = ids.shape
        positions = torch.arange(t).unsqueeze(0).expand(b, t)
        x = self.dropout(self.embed_norm(self.word(ids) + self.position(positions) + self.token_type(types)))
        mask = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask)
        return x


def initialise(model):
    """BERT's initialisation: normal(0, 0.02) weights, zero biases."""
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
    return model


class BertForMaskedLM(nn.Module):
    def __init__(self, layers, h, head, p=0.1):
        super().__init__()
        self.bert, self.head = BertEncoderModel(layers, h, p), head
        self.transform, self.transform_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.decoder_bias = nn.Parameter(torch.zeros(VOCAB))
        initialise(self)

    def forward(self, ids, types, attention_mask, labels):
        x = self.bert(ids, types, attention_mask)
        labels = labels.view(-1)
        x = x.view(-1, x.shape[-1])
        if self.head == "masked":  # gather the masked rows first: the vocabulary projection sees ~15% of positions
            kept = (labels != -100).nonzero().squeeze(1)
            x, labels = x.index_select(0, kept), labels.index_select(0, kept)
        x = self.transform_norm(F.gelu(self.transform(x)))
        logits = F.linear(x, self.bert.word.weight, self.decoder_bias)
        return F.cross_entropy(logits, labels, ignore_index=-100)


def optimizer_for(model):
    named = list(model.named_parameters())
    no_decay = lambda n: n.endswith("bias") or "norm" in n
    return torch.optim.AdamW([
        {"params": [p for n, p in named if not no_decay(n)], "weight_decay": 0.01},
        {"params": [p for n, p in named if no_decay(n)], "weight_decay": 0.0},
    ], lr=5e-5, betas=(0.9, 0.999), eps=1e-8)


def batch(rows, length, generator):
    ids = torch.randint(1000, VOCAB, (rows, length), generator=generator)
    ids[:, 0], ids[:, -1] = 101, 102
    masked = torch.rand(rows, length, generator=generator) < 0.15
    masked[:, 0] = masked[:, -1] = False
    labels = torch.where(masked, ids, torch.full_like(ids, -100))
    inputs = torch.where(masked, torch.full_like(ids, 103), ids)
    return inputs, torch.zeros_like(ids), torch.ones_like(ids), labels


def timed_steps(model, opt, data, warmup, steps, scheduler=None):
    """Runs warmup + steps training steps (forward, backward, clip at 1.0, AdamW, zero_grad) over the
    batches in turn; the median step and optimizer times of the timed ones and the last loss."""
    model.train()
    times, opt_times = [], []
    for step in range(warmup + steps):
        inputs = data[step % len(data)]
        start = time.perf_counter()
        loss = model(*inputs)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        o = time.perf_counter()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        opt.zero_grad()
        end = time.perf_counter()
        if step >= warmup:
            times.append(end - start)
            opt_times.append(end - o)
    return sorted(times)[len(times) // 2], sorted(opt_times)[len(opt_times) // 2], float(loss)


def measure(preset, length, rows, warmup, steps, head):
    torch.manual_seed(42)
    layers, h = PRESETS[preset]
    model = BertForMaskedLM(layers, h, head)
    g = torch.Generator().manual_seed(42)
    data = [batch(rows, length, g) for _ in range(4)]
    step_s, optimizer_s, loss = timed_steps(model, optimizer_for(model), data, warmup, steps)
    return {"preset": preset, "length": length, "batch": rows, "head": head, "step_s": step_s,
            "optimizer_s": optimizer_s, "tokens_per_s": rows * length / step_s, "loss": loss}


def matmul_gflops(n=2048, runs=8):
    a, b = torch.randn(n, n), torch.randn(n, n)
    times = []
    for i in range(runs + 2):
        start = time.perf_counter()
        torch.matmul(a, b)
        if i >= 2:
            times.append(time.perf_counter() - start)
    return 2.0 * n ** 3 / sorted(times)[len(times) // 2] / 1e9


def common_arguments():
    """The reference scripts' shared options: threads, rows (preset:length:batch,...), warmup and timed steps."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", required=True)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    return parser


def rows_of(spec):
    """(preset, length, batch) for each row of --rows."""
    for row in spec.split(","):
        preset, length, rows = row.split(":")
        yield preset, int(length), int(rows)


def emit(result, **extra):
    """Prints one row as a JSON line with the torch version, thread count and the 1-minute load average."""
    result.update({"torch": torch.__version__, "threads": torch.get_num_threads(), "load": os.getloadavg()[0], **extra})
    print(json.dumps(result), flush=True)


def main():
    parser = common_arguments()
    parser.add_argument("--heads", default="all,masked")
    a = parser.parse_args()
    torch.set_num_threads(a.threads)
    peak = matmul_gflops()
    for preset, length, rows in rows_of(a.rows):
        for head in a.heads.split(","):
            emit(measure(preset, length, rows, a.warmup, a.steps, head), matmul_gflops=peak)


if __name__ == "__main__":
    sys.exit(main())
