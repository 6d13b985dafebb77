#!/usr/bin/env python3
"""llama.cpp's own batched decode, for `codeeval bench engine --baseline llama.cpp`.

n sequences share a prompt: the prompt is decoded once into sequence 0 and its KV copied to the others
(llama_memory_seq_cp); then every step is one llama_decode carrying one token per sequence, each sequence
continuing greedily from its own logits. This is llama.cpp's batched generation (its `batched` example), with
flash attention on and a KV stream per sequence (kv_unified off), its fastest setting on our machines.
Prints one JSON object: {"llama_cpp_python": version, "batched": {"8": [tok/s, ...], "32": [...]}} (aggregate
tokens per second of the timed steps, one entry per repetition after a discarded warm-up).
"""
import argparse, ctypes, json, sys, time

import numpy as np
import llama_cpp


@llama_cpp.llama_log_callback
def QUIET(level, text, user_data):
    pass


def run(model, prompt, n, steps, threads, repeats):
    ctx_params = llama_cpp.llama_context_default_params()
    per_seq = len(prompt) + steps + 16
    ctx_params.n_ctx = ((per_seq * n + 255) // 256) * 256
    ctx_params.n_batch = max(512, n)
    ctx_params.n_ubatch = max(512, n)
    ctx_params.n_seq_max = n
    ctx_params.n_threads = ctx_params.n_threads_batch = threads
    ctx_params.flash_attn_type = 1  # enabled
    ctx_params.kv_unified = False
    ctx = llama_cpp.llama_init_from_model(model, ctx_params)
    if not ctx:
        raise SystemExit(f"cannot create a context for n={n}")
    vocab = llama_cpp.llama_model_get_vocab(model)
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    mem = llama_cpp.llama_get_memory(ctx)
    batch = llama_cpp.llama_batch_init(max(len(prompt), n), 0, n)
    rates = []
    try:
        for r in range(repeats + 1):  # the first repetition warms up and is discarded
            llama_cpp.llama_memory_clear(mem, True)
            batch.n_tokens = len(prompt)
            for i, t in enumerate(prompt):
                batch.token[i], batch.pos[i], batch.n_seq_id[i] = t, i, 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = i == len(prompt) - 1
            if llama_cpp.llama_decode(ctx, batch) != 0:
                raise SystemExit("llama_decode failed on the prompt")
            first = int(np.argmax(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))))
            for s in range(1, n):
                llama_cpp.llama_memory_seq_cp(mem, 0, s, -1, -1)
            nxt = [first] * n
            t0 = time.perf_counter()
            for step in range(steps):
                batch.n_tokens = n
                for s in range(n):
                    batch.token[s], batch.pos[s], batch.n_seq_id[s] = nxt[s], len(prompt) + step, 1
                    batch.seq_id[s][0] = s
                    batch.logits[s] = True
                if llama_cpp.llama_decode(ctx, batch) != 0:
                    raise SystemExit(f"llama_decode failed at step {step} with n={n}")
                nxt = [int(np.argmax(np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, s), shape=(n_vocab,))))
                       for s in range(n)]
            if r > 0:
                rates.append(n * steps / (time.perf_counter() - t0))
    finally:
        llama_cpp.llama_batch_free(batch)
        llama_cpp.llama_free(ctx)
    return rates


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True, help="JSON file with the prompt token ids")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--n", default="8,32", help="comma-separated sequence counts")
    a = ap.parse_args()
    prompt = json.load(open(a.tokens))
    llama_cpp.llama_log_set(QUIET, ctypes.c_void_p(0))
    llama_cpp.llama_backend_init()
    mparams = llama_cpp.llama_model_default_params()
    model = llama_cpp.llama_model_load_from_file(a.model.encode(), mparams)
    if not model:
        raise SystemExit(f"cannot load {a.model}")
    out = {}
    try:
        for n in map(int, a.n.split(",")):
            out[str(n)] = run(model, prompt, n, a.steps, a.threads, a.repeats)
    finally:
        llama_cpp.llama_model_free(model)
    print(json.dumps({"llama_cpp_python": llama_cpp.__version__, "batched": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
