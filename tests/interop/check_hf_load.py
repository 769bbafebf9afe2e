#!/usr/bin/env python3
"""Checks that checkpoints exported by BertAdapt load unchanged in Hugging Face transformers.

For every folder under BUNDLE that holds a bertadapt_reference.safetensors (written by
New-InteropBundle.ps1 beside an exported checkpoint), this loads the checkpoint with
BertForPreTraining.from_pretrained and BertForMaskedLM.from_pretrained, runs the inputs saved
in the reference file on the CPU in float32, and compares last_hidden_state,
prediction_logits and seq_relationship_logits with what BertAdapt computed. Positions whose
attention mask is 0 are left out. It prints one JSON line per checkpoint and exits 1 when a
difference exceeds --tolerance or when loading reports missing keys.

Needs torch, safetensors and transformers (the GPU machine has them); nothing is downloaded.
"""
import argparse
import json
import pathlib
import sys

import torch
from safetensors.torch import load_file
from transformers import BertForMaskedLM, BertForPreTraining


def masked_max_diff(ours, theirs, mask):
    keep = mask.bool()
    return (ours[keep] - theirs[keep]).abs().max().item()


def prediction_diff(ref, logits):
    # The reference keeps prediction logits only at some attended positions (flat indexes).
    flat = logits.reshape(-1, logits.shape[-1])[ref["prediction_positions"]]
    return (ref["prediction_logits"] - flat).abs().max().item()


def check(folder, tolerance):
    ref = load_file(str(folder / "bertadapt_reference.safetensors"))
    inputs = {k: ref[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    mask = inputs["attention_mask"]
    result = {"checkpoint": folder.name, "batch": list(mask.shape)}

    model, info = BertForPreTraining.from_pretrained(
        str(folder), output_loading_info=True, dtype=torch.float32, attn_implementation="eager")
    result["missing_keys"] = sorted(info.get("missing_keys", []))
    result["unexpected_keys"] = sorted(info.get("unexpected_keys", []))
    model.eval()
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True)
    result["last_hidden_state"] = masked_max_diff(ref["last_hidden_state"], out.hidden_states[-1], mask)
    result["prediction_logits"] = prediction_diff(ref, out.prediction_logits)
    result["seq_relationship_logits"] = (ref["seq_relationship_logits"] - out.seq_relationship_logits).abs().max().item()

    mlm = BertForMaskedLM.from_pretrained(str(folder), dtype=torch.float32, attn_implementation="eager")
    mlm.eval()
    with torch.no_grad():
        logits = mlm(**inputs).logits
    result["masked_lm_logits"] = prediction_diff(ref, logits)

    diffs = [result[k] for k in ("last_hidden_state", "prediction_logits", "seq_relationship_logits", "masked_lm_logits")]
    result["max_abs_diff"] = max(diffs)
    result["ok"] = result["max_abs_diff"] <= tolerance and not result["missing_keys"]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=pathlib.Path)
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--json", type=pathlib.Path, help="also write the results here")
    args = parser.parse_args()

    torch.backends.cuda.matmul.allow_tf32 = False
    folders = sorted(p.parent for p in args.bundle.glob("*/bertadapt_reference.safetensors"))
    if not folders:
        print(f"no exported checkpoint with a reference file under {args.bundle}", file=sys.stderr)
        return 2
    import transformers
    results = [check(folder, args.tolerance) for folder in folders]
    for r in results:
        print(json.dumps(r))
    summary = {"torch": torch.__version__, "transformers": transformers.__version__,
               "checkpoints": len(results), "max_abs_diff": max(r["max_abs_diff"] for r in results),
               "ok": all(r["ok"] for r in results)}
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, indent=2) + "\n")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
