"""Hugging Face GPU reference: masked-LM training throughput of transformers' own BertForMaskedLM.

This is the number a CUDA build of BertAdapt has to beat. The model is built from a BertConfig
with random weights (nothing is downloaded), in the BertAdapt preset shapes:

    mini  = 4 layers,  hidden 256      small = 4 layers, hidden 512      base = 12 layers, hidden 768
    heads = hidden / 64, intermediate = 4 * hidden, vocabulary 30522, 512 positions, dropout 0.1

One training step is what a plain Hugging Face training loop does: forward with labels (-100 on the
85% of positions that are not masked, so BertForMaskedLM still projects EVERY position onto the
vocabulary and only the loss ignores the rest), backward, gradient clipping at 1.0, AdamW
(lr 1e-4, weight decay 0.01 except biases and LayerNorm weights), zero_grad.

Each (row, precision, attention) combination gets a fresh model and optimizer. "fp32" runs with
TF32 off unless --tf32 is given; "bf16" runs the forward pass under torch.autocast with bfloat16
(weights, gradients and optimizer state stay fp32, as with the Trainer's --bf16).

Typical use on a GPU machine (no network needed):
    python3 bench/hf_gpu_reference.py --json "$OUT/hf_gpu.json"
    python3 bench/hf_gpu_reference.py --attn eager,sdpa --rows base:128:32,base:512:16 --json r.json
Logic check without a GPU (tiny):
    python3 bench/hf_gpu_reference.py --device cpu --rows mini:16:2 --warmup 1 --steps 2 --json /tmp/r.json

Only the standard library, torch and transformers are used. Python 3.9+.
"""
import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time
import traceback

import torch

PRESETS = {"mini": (4, 256), "small": (4, 512), "base": (12, 768)}
VOCAB = 30522
MAX_POSITIONS = 512
MASK_FRACTION = 0.15
CLS_ID, SEP_ID, MASK_ID = 101, 102, 103
DEFAULT_ROWS = "mini:128:32,small:128:32,small:512:16,base:128:32"

FLOPS_FORMULA = (
    "model FLOPs per step = 6*N*tokens + 12*L*T*H*tokens + 6*(H*V + H*H)*tokens_projected; "
    "N = non-embedding encoder parameters (12*H^2 + 13*H per layer), tokens = B*T, "
    "tokens_projected = B*T for Hugging Face (every position goes through the MLM head). "
    "MFU = model FLOPs / median step time / measured square-matmul rate of the row's dtype "
    "(fp32 rate measured under the same TF32 setting). MFU(m) (mfu_masked_basis in the JSON) counts "
    "only the masked positions in the last term, the basis BertAdapt's own bench table uses."
)


# ----------------------------------------------------------------------------- helpers

def parse_rows(text):
    rows = []
    for spec in text.split(","):
        spec = spec.strip()
        if not spec:
            continue
        parts = spec.split(":")
        if len(parts) != 3:
            raise SystemExit("bad row %r: expected preset:T:B, e.g. small:512:16" % spec)
        preset, length, batch = parts[0], int(parts[1]), int(parts[2])
        if preset not in PRESETS:
            raise SystemExit("unknown preset %r (known: %s)" % (preset, ", ".join(sorted(PRESETS))))
        if not 2 < length <= MAX_POSITIONS or batch < 1:
            raise SystemExit("bad row %r: need 2 < T <= %d and B >= 1" % (spec, MAX_POSITIONS))
        rows.append((preset, length, batch))
    if not rows:
        raise SystemExit("--rows is empty")
    return rows


def parse_list(text, allowed, what):
    items = [x.strip() for x in text.split(",") if x.strip()]
    for x in items:
        if x not in allowed:
            raise SystemExit("unknown %s %r (allowed: %s)" % (what, x, ", ".join(allowed)))
    if not items:
        raise SystemExit("no %s given" % what)
    return items


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def is_oom(exc):
    oom_type = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def release(device):
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def finite_or_none(x):
    return x if x is not None and math.isfinite(x) else None


def set_tf32(enabled):
    """Matmul TF32 on or off. set_float32_matmul_precision exists from torch 1.12 on and avoids
    mixing the legacy allow_tf32 flags with the newer fp32_precision settings of recent torch."""
    try:
        torch.set_float32_matmul_precision("high" if enabled else "highest")
    except AttributeError:
        torch.backends.cuda.matmul.allow_tf32 = enabled
    # BERT has no convolutions, so cuDNN's own TF32 switch does not matter here.


def float32_matmul_precision():
    try:
        return torch.get_float32_matmul_precision()
    except AttributeError:
        return "allow_tf32=%s" % torch.backends.cuda.matmul.allow_tf32


def autocast_for(precision, device):
    if precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


# ----------------------------------------------------------------------------- environment

def nvidia_smi():
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,clocks.max.sm,power.limit", "--format=csv,noheader"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20, check=False)
        text = out.stdout.decode("utf-8", "replace").strip()
        return text or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(device, transformers_module):
    env = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "transformers": getattr(transformers_module, "__version__", "unknown"),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "device": str(device),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        env.update({
            "gpu_name": torch.cuda.get_device_name(device),
            "gpu_capability": "%d.%d" % (props.major, props.minor),
            "gpu_memory_mib": props.total_memory // (1024 * 1024),
            "gpu_multiprocessors": props.multi_processor_count,
            "nvidia_smi": nvidia_smi(),
            "bf16_supported": bool(torch.cuda.is_bf16_supported()),
        })
    else:
        env.update({"gpu_name": None, "cpu_threads": torch.get_num_threads(), "bf16_supported": True})
    return env


# ----------------------------------------------------------------------------- matmul peak

def matmul_rate(device, dtype, n, runs, reps):
    """Median FLOP/s of an n x n by n x n matmul (each run times `reps` back-to-back products)."""
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    c = torch.empty(n, n, device=device, dtype=dtype)
    warm_start = time.perf_counter()
    for i in range(1000):  # at least 2 products and about half a second, so clocks have ramped up
        torch.matmul(a, b, out=c)
        if i >= 1 and i % 4 == 1:
            sync(device)
            if time.perf_counter() - warm_start > 0.5:
                break
    sync(device)
    times = []
    for _ in range(runs):
        sync(device)
        start = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        sync(device)
        times.append((time.perf_counter() - start) / reps)
    del a, b, c
    release(device)
    return 2.0 * n ** 3 / statistics.median(times)


# ----------------------------------------------------------------------------- model and data

def make_config(transformers_module, preset):
    layers, hidden = PRESETS[preset]
    return transformers_module.BertConfig(
        vocab_size=VOCAB,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=hidden // 64,
        intermediate_size=4 * hidden,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=MAX_POSITIONS,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        pad_token_id=0,
    )


def build_model(transformers_module, config, attn):
    """BertForMaskedLM with the requested attention implementation where this transformers accepts
    one; otherwise the plain constructor (eager attention in every version that rejects the argument).
    Returns (model, attention actually in use, note)."""
    note = None
    model = None
    auto = getattr(transformers_module, "AutoModelForMaskedLM", None)
    if auto is not None:
        try:
            model = auto.from_config(config, attn_implementation=attn)
        except (TypeError, ValueError, ImportError) as exc:
            note = "attn_implementation=%r not accepted (%s: %s); plain constructor used" % (
                attn, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
    else:
        note = "no AutoModelForMaskedLM; plain constructor used"
    if model is None:
        model = transformers_module.BertForMaskedLM(config)
    if type(model).__name__ != "BertForMaskedLM":
        raise RuntimeError("expected BertForMaskedLM, got %s" % type(model).__name__)
    used = getattr(model.config, "_attn_implementation", None)
    if used is None:
        used = "eager (transformers without attn_implementation)"
    return model, used, note


def non_embedding_params(model, layers, hidden):
    analytic = layers * (12 * hidden * hidden + 13 * hidden)
    bert = getattr(model, "bert", None)
    encoder = getattr(bert, "encoder", None) if bert is not None else None
    if encoder is None:
        return analytic, "analytic"
    counted = sum(p.numel() for p in encoder.parameters())
    return counted, "model.bert.encoder" if counted == analytic else "model.bert.encoder (analytic %d)" % analytic


def make_optimizer(model, lr, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():  # tied weights appear once
        if not p.requires_grad:
            continue
        low = name.lower()
        if name.endswith("bias") or "layernorm" in low or "layer_norm" in low:
            no_decay.append(p)
        else:
            decay.append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def make_batches(count, rows, length, device, seed):
    """Random token ids, [CLS] ... [SEP], 15% of the inner positions replaced by [MASK]; labels hold the
    original id there and -100 everywhere else (Hugging Face's convention)."""
    g = torch.Generator().manual_seed(seed)
    batches, masked_total = [], 0
    for _ in range(count):
        ids = torch.randint(1000, VOCAB, (rows, length), generator=g)
        ids[:, 0], ids[:, -1] = CLS_ID, SEP_ID
        masked = torch.rand(rows, length, generator=g) < MASK_FRACTION
        masked[:, 0] = False
        masked[:, -1] = False
        labels = torch.where(masked, ids, torch.full_like(ids, -100))
        inputs = torch.where(masked, torch.full_like(ids, MASK_ID), ids)
        masked_total += int(masked.sum())
        batches.append({
            "input_ids": inputs.to(device),
            "token_type_ids": torch.zeros_like(ids).to(device),
            "attention_mask": torch.ones_like(ids).to(device),
            "labels": labels.to(device),
        })
    return batches, masked_total / count


def model_flops(layers, hidden, length, tokens, n_params, projected):
    return (6.0 * n_params * tokens
            + 12.0 * layers * length * hidden * tokens
            + 6.0 * (hidden * VOCAB + hidden * hidden) * projected)


# ----------------------------------------------------------------------------- one measurement

def measure(tf, device, preset, length, rows, precision, attn, args, peaks):
    layers, hidden = PRESETS[preset]
    result = {"preset": preset, "layers": layers, "hidden": hidden, "heads": hidden // 64,
              "length": length, "batch": rows, "precision": precision, "attn_requested": attn}
    if precision == "bf16" and not peaks.get("bf16_supported", True):
        result["status"] = "skipped: bf16 not supported on this device"
        return result

    model = opt = batches = loss = out = params = None
    try:
        release(device)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        torch.manual_seed(args.seed)
        model, attn_used, note = build_model(tf, make_config(tf, preset), attn)
        result["attn_used"] = attn_used
        if note:
            result["attn_note"] = note
        n_params, n_source = non_embedding_params(model, layers, hidden)
        result["non_embedding_params"] = n_params
        result["non_embedding_params_source"] = n_source
        result["total_params"] = sum(p.numel() for p in model.parameters())
        model.to(device)
        model.train()
        opt = make_optimizer(model, args.lr, args.weight_decay)
        result["adamw_foreach"] = opt.defaults.get("foreach")
        result["adamw_fused"] = opt.defaults.get("fused")
        params = [p for p in model.parameters() if p.requires_grad]
        batches, masked_per_step = make_batches(4, rows, length, device, args.seed)

        step_times, opt_times, losses = [], [], []
        for step in range(args.warmup + args.steps):
            batch = batches[step % len(batches)]
            if device.type == "cuda":
                opt_start = torch.cuda.Event(enable_timing=True)
                opt_end = torch.cuda.Event(enable_timing=True)
            sync(device)
            start = time.perf_counter()
            with autocast_for(precision, device):
                out = model(**batch)
            loss = out.loss if hasattr(out, "loss") else out[0]
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            if device.type == "cuda":
                opt_start.record()
            else:
                cpu_opt_start = time.perf_counter()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if device.type == "cuda":
                opt_end.record()
            else:
                cpu_opt_s = time.perf_counter() - cpu_opt_start
            sync(device)
            elapsed = time.perf_counter() - start
            if step >= args.warmup:
                step_times.append(elapsed)
                opt_times.append(opt_start.elapsed_time(opt_end) / 1000.0 if device.type == "cuda" else cpu_opt_s)
                losses.append(float(loss.detach()))
            out = None

        step_s = statistics.median(step_times)
        tokens = rows * length
        flops_all = model_flops(layers, hidden, length, tokens, n_params, tokens)
        flops_masked = model_flops(layers, hidden, length, tokens, n_params, masked_per_step)
        peak = peaks["bf16" if precision == "bf16" else "fp32"]
        result.update({
            "status": "ok",
            "warmup": args.warmup,
            "steps": args.steps,
            "step_s": step_s,
            "step_s_min": min(step_times),
            "step_s_max": max(step_times),
            "optimizer_s": statistics.median(opt_times),
            "tokens_per_step": tokens,
            "tokens_per_s": tokens / step_s,
            "masked_per_step": masked_per_step,
            "model_flops_per_step": flops_all,
            "model_flops_per_step_masked_basis": flops_masked,
            "achieved_flops": flops_all / step_s,
            "mfu": flops_all / step_s / peak if peak else None,
            "mfu_masked_basis": flops_masked / step_s / peak if peak else None,
            "peak_used_flops": peak,
            "loss_first_timed": finite_or_none(losses[0]),
            "loss_last": finite_or_none(losses[-1]),
            "peak_memory_bytes": torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None,
        })
    except Exception as exc:  # one bad row must not lose the others
        if is_oom(exc):
            result["status"] = "oom"
        else:
            result["status"] = "error"
            traceback.print_exc(file=sys.stderr)
        result["error"] = "%s: %s" % (type(exc).__name__, (str(exc).splitlines() or [""])[0][:300])
        if device.type == "cuda":
            result["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device)
    finally:
        # drop every reference to the model, its gradients and activations before the next row
        model = opt = batches = loss = out = params = None
        release(device)
    return result


# ----------------------------------------------------------------------------- output

def fmt(x, spec, empty="-"):
    return empty if x is None else format(x, spec)


def print_header(env, args, peaks):
    print("Hugging Face BertForMaskedLM training reference  %s" % env["timestamp"])
    if env.get("gpu_name"):
        print("device: %s (sm %s, %s MiB)  torch %s  CUDA %s  transformers %s" % (
            env["gpu_name"], env["gpu_capability"], env["gpu_memory_mib"], env["torch"], env["cuda"],
            env["transformers"]))
    else:
        print("device: %s (%s threads)  torch %s  transformers %s" % (
            env["device"], env.get("cpu_threads"), env["torch"], env["transformers"]))
    print("fp32 matmul precision: %s (TF32 %s)   warmup=%d timed=%d (median)" % (
        env["float32_matmul_precision"], "on" if args.tf32 else "off", args.warmup, args.steps))
    print("matmul peak (%d^2, median of %d): fp32 %s TFLOP/s   bf16 %s TFLOP/s" % (
        peaks["n"], peaks["runs"], fmt(peaks["fp32"] and peaks["fp32"] / 1e12, ".2f"),
        fmt(peaks["bf16"] and peaks["bf16"] / 1e12, ".2f")))
    print(textwrap.fill("MFU: " + FLOPS_FORMULA, width=110, subsequent_indent="     "))
    print()
    print("%-6s %4s %4s %-5s %-6s %9s %9s %12s %9s %7s %7s %8s  %s" % (
        "model", "T", "B", "prec", "attn", "step ms", "adamw ms", "train tok/s", "peak MiB", "MFU",
        "MFU(m)", "loss", "status"))
    sys.stdout.flush()


def print_row(r):
    mem = r.get("peak_memory_bytes")
    status = r["status"] if r["status"] == "ok" else "%s %s" % (r["status"], r.get("error", ""))
    attn = str(r.get("attn_used") or r["attn_requested"]).split()[0]
    if attn != r["attn_requested"]:
        status += " (asked for %s)" % r["attn_requested"]
    print("%-6s %4d %4d %-5s %-6s %9s %9s %12s %9s %7s %7s %8s  %s" % (
        r["preset"], r["length"], r["batch"], r["precision"], attn[:6],
        fmt(r.get("step_s") and r["step_s"] * 1e3, ".2f"),
        fmt(r.get("optimizer_s") and r["optimizer_s"] * 1e3, ".2f"),
        fmt(r.get("tokens_per_s"), ",.0f"),
        fmt(mem and mem / 2 ** 20, ",.0f"),
        fmt(r.get("mfu") and 100 * r["mfu"], ".1f") + ("%" if r.get("mfu") else ""),
        fmt(r.get("mfu_masked_basis") and 100 * r["mfu_masked_basis"], ".1f") + ("%" if r.get("mfu_masked_basis") else ""),
        fmt(r.get("loss_last"), ".3f"),
        status))
    sys.stdout.flush()


def json_safe(x):
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


def write_json(path, payload):
    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(json_safe(payload), f, indent=2, allow_nan=False)
        f.write("\n")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", default=DEFAULT_ROWS, help="preset:T:B,... (default %s)" % DEFAULT_ROWS)
    p.add_argument("--precisions", default="fp32,bf16", help="comma list of fp32, bf16")
    p.add_argument("--attn", default="eager", help="attn_implementation(s): eager, sdpa (comma list)")
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (cpu only as a smoke test)")
    p.add_argument("--tf32", action="store_true", help="allow TF32 for fp32 matmuls (off by default)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--matmul-n", type=int, default=None, help="square matmul size (default 8192 on GPU, 512 on CPU)")
    p.add_argument("--matmul-runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=None, help="CPU threads (cpu device only)")
    p.add_argument("--json", default=None, help="write all results to this JSON file")
    args = p.parse_args(argv)
    if args.warmup < 0 or args.steps < 1:
        raise SystemExit("need --warmup >= 0 and --steps >= 1")

    rows = parse_rows(args.rows)
    precisions = parse_list(args.precisions, ["fp32", "bf16"], "precision")
    attns = parse_list(args.attn, ["eager", "sdpa"], "attention implementation")

    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("CUDA is not available; use --device cpu for a smoke test")
        if device.index is not None:
            torch.cuda.set_device(device)
        else:
            device = torch.device("cuda", torch.cuda.current_device())
    elif device.type != "cpu":
        raise SystemExit("unsupported device %r" % args.device)
    if device.type == "cpu" and args.threads:
        torch.set_num_threads(args.threads)

    try:
        import transformers
    except ImportError as exc:
        raise SystemExit("transformers is not importable: %s" % exc)

    set_tf32(args.tf32)
    env = environment(device, transformers)
    env["timestamp"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%MZ")
    env["float32_matmul_precision"] = float32_matmul_precision()

    n = args.matmul_n or (8192 if device.type == "cuda" else 512)
    reps = 10 if device.type == "cuda" else 1
    peaks = {"n": n, "runs": args.matmul_runs, "reps_per_run": reps, "fp32": None, "bf16": None,
             "fp32_tf32": bool(args.tf32), "bf16_supported": env["bf16_supported"]}
    peaks["fp32"] = matmul_rate(device, torch.float32, n, args.matmul_runs, reps)
    if env["bf16_supported"]:
        peaks["bf16"] = matmul_rate(device, torch.bfloat16, n, args.matmul_runs, reps)

    payload = {
        "script": "bench/hf_gpu_reference.py",
        "argv": sys.argv[1:] if argv is None else list(argv),
        "environment": env,
        "settings": {
            "rows": ["%s:%d:%d" % r for r in rows], "precisions": precisions, "attn": attns,
            "tf32": bool(args.tf32), "warmup": args.warmup, "steps": args.steps, "lr": args.lr,
            "weight_decay": args.weight_decay, "grad_clip": 1.0, "mask_fraction": MASK_FRACTION,
            "dropout": 0.1, "vocab": VOCAB, "max_positions": MAX_POSITIONS, "seed": args.seed,
            "step": "forward with labels (-100 unmasked, all positions projected) + backward + "
                    "clip_grad_norm_(1.0) + AdamW.step + zero_grad(set_to_none=True); "
                    "timed with device synchronize before and after",
            "bf16": "torch.autocast(bfloat16) around the forward pass; fp32 weights, grads and AdamW state",
        },
        "matmul_peak_flops": peaks,
        "flops_formula": FLOPS_FORMULA,
        "results": [],
    }
    print_header(env, args, peaks)
    write_json(args.json, payload)

    for preset, length, batch in rows:
        for precision in precisions:
            for attn in attns:
                r = measure(transformers, device, preset, length, batch, precision, attn, args, peaks)
                payload["results"].append(r)
                print_row(r)
                write_json(args.json, payload)  # after every row, so a cut-off run keeps what it measured

    notes = sorted({r["attn_note"] for r in payload["results"] if r.get("attn_note")})
    for note in notes:
        print("note: " + note)
    if args.json:
        print("JSON: %s" % os.path.abspath(args.json))
    failed = [r for r in payload["results"] if r["status"] not in ("ok",) and not r["status"].startswith("skipped")]
    return 1 if failed and len(failed) == len(payload["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
