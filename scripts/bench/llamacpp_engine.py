#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) side of `codeeval bench engine --baseline llama.cpp`.

Same GGUF, same prompt token ids (read from --tokens, written by the Swift side), same
thread count, in the same benchmark run. Prints one JSON object:
{"llama_cpp_python": version, "prompt_tps": [...], "decode_tps": [...]}.
Prompt: reset + eval(prompt) timed. Decode: greedy steps (logits of the last position,
numpy argmax, eval([tok])), timing all but the first step of each repetition.
Batched (--batched 8,32,64): llama.cpp's own batched decode of n sequences sharing the prompt. The prompt is decoded
once into sequence 0 and its KV copied to the others (llama_memory_seq_cp); then every step is one llama_decode
carrying one token per sequence, each continuing greedily from its own logits (llama.cpp's `batched` example), with
flash attention on and a KV stream per sequence (kv_unified off), its fastest setting on our machines. Adds
"batched": {"8": [aggregate tok/s per repetition], ...} to the JSON.
"""
import argparse, ctypes, json, sys, time

import numpy as np
import llama_cpp
from llama_cpp import Llama


@llama_cpp.llama_log_callback
def QUIET(level, text, user_data):
    pass


def batched(model, prompt, n, steps, threads, repeats):
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
    ap.add_argument("--decode", type=int, default=128)
    ap.add_argument("--batched", default="", help="comma-separated sequence counts for batched decode (none: skip)")
    ap.add_argument("--steps", type=int, default=32, help="steps of batched decode")
    a = ap.parse_args()
    prompt = json.load(open(a.tokens))
    llama_cpp.llama_log_set(QUIET, ctypes.c_void_p(0))
    llm = Llama(model_path=a.model, n_ctx=2048, n_batch=512, n_threads=a.threads, verbose=False)
    vocab = llm._model.vocab
    n_vocab = llama_cpp.llama_vocab_n_tokens(vocab)
    ptps, dtps = [], []
    for r in range(a.repeats + 1):  # the first repetition warms up and is discarded
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(prompt)
        t1 = time.perf_counter()
        times = []
        for _ in range(a.decode):
            s = time.perf_counter()
            row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(n_vocab,))
            llm.eval([int(np.argmax(row))])
            times.append(time.perf_counter() - s)
        if r > 0:
            ptps.append(len(prompt) / (t1 - t0))
            dtps.append((len(times) - 1) / sum(times[1:]))
    out = {"llama_cpp_python": llama_cpp.__version__, "prompt_tps": ptps, "decode_tps": dtps}
    if a.batched:
        out["batched"] = {n: batched(llm._model.model, prompt, int(n), a.steps, a.threads, a.repeats) for n in a.batched.split(",")}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
