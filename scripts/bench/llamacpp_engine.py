#!/usr/bin/env python3
"""llama.cpp (llama-cpp-python) side of `codeeval bench engine --baseline llama.cpp`.

Same GGUF, same prompt token ids (read from --tokens, written by the Swift side), same
thread count, in the same benchmark run. Prints one JSON object:
{"llama_cpp_python": version, "prompt_tps": [...], "decode_tps": [...]}.
Prompt: reset + eval(prompt) timed. Decode: greedy steps (logits of the last position,
numpy argmax, eval([tok])), timing all but the first step of each repetition.
"""
import argparse, json, sys, time

import numpy as np
import llama_cpp
from llama_cpp import Llama


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True, help="JSON file with the prompt token ids")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--decode", type=int, default=128)
    a = ap.parse_args()
    prompt = json.load(open(a.tokens))
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
    print(json.dumps({"llama_cpp_python": llama_cpp.__version__, "prompt_tps": ptps, "decode_tps": dtps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
