#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) side of `codeeval bench likelihood --baseline llama.cpp`.

The plain loop: every (context, option) pair scored alone, as a harness without a shared
KV cache does it: reset, evaluate context + option[:-1] with every row's logits, and the
log-probability of each option token (float32 max and exp terms, float64 sum). Same GGUF,
same token ids (read from --items, written by the Swift side), same thread count, in the
same benchmark run. One untimed warm-up pair. Prints one JSON object:
{"llama_cpp_python": version, "seconds": s, "options": n}.
"""
import argparse, json, sys, time

import numpy as np
import llama_cpp
from llama_cpp import Llama


def score(llm, context, option):
    llm.reset()
    llm.eval(context + option[:-1])
    rows = np.array(llm.scores[len(context) - 1: len(context) - 1 + len(option), :], dtype=np.float32)
    total = 0.0
    for row, tok in zip(rows, option):
        mx = row.max()
        total += float(np.float64(row[tok] - mx) - np.log(np.exp(row - mx, dtype=np.float32).astype(np.float64).sum()))
    return total


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--items", required=True, help='JSON file: [{"context": [ids], "options": [[ids], ...]}, ...]')
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    items = json.load(open(a.items))
    # n_threads_batch too: it defaults to every core, and prompt evaluation (all of this loop) runs on it.
    llm = Llama(model_path=a.model, n_ctx=512, n_batch=512, n_threads=a.threads, n_threads_batch=a.threads,
                logits_all=True, verbose=False)
    score(llm, items[0]["context"], items[0]["options"][0])
    t0 = time.perf_counter()
    n = 0
    for it in items:
        for option in it["options"]:
            score(llm, it["context"], option)
            n += 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"llama_cpp_python": llama_cpp.__version__, "seconds": seconds, "options": n}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
