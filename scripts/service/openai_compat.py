#!/usr/bin/env python3
"""End-to-end test of the OpenAI-compatible routes of `codeeval serve --model smollm2-135m`.

Posts the request bodies lm-evaluation-harness 0.4.x sends for `generate_until`:
  local-completions       {"model", "prompt": [..], "max_tokens", "temperature": 0, "stop": [..], "seed": 1234}
                          (prompt as strings with tokenized_requests=False, as token-id lists by default)
  local-chat-completions  {"model", "messages": [{"role": "user", "content": ..}], "max_tokens", "temperature": 0,
                          "stop": [..], "seed": 1234}
and checks the fields lm-eval reads (choices[i].index / .text / .message.content, finish_reason), then:
  - a batch of prompts equals the prompts sent one by one, and token-id prompts equal their text;
  - sampled choices (n=2, temperature 0.8) equal `codeeval generate --n 2 --seed S` (seeds S, S+1);
  - the chat prompt is the model's ChatML template (the same text through /v1/completions gives the same answer);
  - stream=true gives SSE chunks whose text adds up to the non-streamed answer, then [DONE];
  - GET /v1/models lists the model; gemma3-270m (no chat template in its GGUF) is not needed;
and the body it sends for `loglikelihood` (multiple-choice tasks):
  local-completions       {"model", "prompt": [context + continuation ids, ..], "temperature": 0, "max_tokens": 1,
                          "logprobs": 1, "seed": 1234, "echo": true}
parsed as lm-eval parses it (the sum of choices[i].logprobs.token_logprobs[ctxlen:-1]; greedy when each of those
equals the largest value of its top_logprobs entry): the continuation the model itself generates is greedy and
the most likely, max_tokens 0 (pure scoring) gives the same prompt log-probabilities, and text prompts equal ids.

Usage: scripts/service/openai_compat.py [--bin .build/debug/codeeval]
Skipped when CODEEVAL_SKIP_MODEL_TESTS=1 (needs the smollm2-135m model).
"""
import argparse, json, os, subprocess, sys, tempfile, urllib.error, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runs"))
from remote import start_server  # noqa: E402  (one way to start and wait for `codeeval serve`)

MODEL = "smollm2-135m"


def post(base, path, body, raw=False):
    # lm-eval sends a bearer header even to a server without keys; it must not matter.
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer EMPTY"})
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            data = r.read().decode()
            return (r.status, r.headers.get("Content-Type"), data) if raw else json.loads(data)
    except urllib.error.HTTPError as e:
        sys.exit(f"FAIL: POST {path} {json.dumps(body)[:200]} -> {e.code} {e.read().decode()[:500]}")


def texts(resp):
    """What lm-eval's parse_generations does: place each choice's text at its index."""
    out = [None] * len(resp["choices"])
    for c in resp["choices"]:
        out[c["index"]] = c["text"]
    assert None not in out, resp
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/debug/codeeval")
    args = ap.parse_args()
    if os.environ.get("CODEEVAL_SKIP_MODEL_TESTS") == "1":
        print(f"SKIP openai_compat: CODEEVAL_SKIP_MODEL_TESTS=1 (needs the {MODEL} model)")
        return
    server, port = start_server(args.bin, tempfile.mkdtemp(prefix="openai-compat-"), MODEL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        check(args.bin, base)
    finally:
        server.terminate(); server.wait(timeout=30)


def check(binary, base):
    models = json.loads(urllib.request.urlopen(base + "/models", timeout=10).read())
    assert models["object"] == "list" and [m["id"] for m in models["data"]] == [MODEL], models
    print(f"OK /v1/models: {[m['id'] for m in models['data']]}")

    prompts = ["def add(a, b):\n", "Question: What is 2 + 3?\nAnswer:"]
    until = ["\n\n", "Question:", "<|endoftext|>", "\ndef ", "\nclass "]  # lm-eval sends every `until` string
    body = {"model": MODEL, "prompt": prompts, "max_tokens": 24, "temperature": 0, "stop": until, "seed": 1234}
    batch = post(base, "/completions", body)
    got = texts(batch)
    assert [c["index"] for c in batch["choices"]] == [0, 1], batch
    assert all(c["finish_reason"] in ("stop", "length") for c in batch["choices"]), batch
    assert batch["usage"]["prompt_tokens"] > 0 and batch["usage"]["completion_tokens"] > 0, batch["usage"]
    for p, t in zip(prompts, got):
        alone = texts(post(base, "/completions", dict(body, prompt=[p])))[0]
        assert alone == t, f"batched {t!r} != alone {alone!r}"
        assert not any(s in t for s in until), f"stop sequence left in {t!r}"
    print(f"OK local-completions (text prompts): {got!r}")

    ids = [json.loads(subprocess.run([binary, "tokenize", "--model", MODEL, "--json", p], capture_output=True, text=True,
                                     check=True).stdout)["tokens"] for p in prompts]
    by_ids = texts(post(base, "/completions", dict(body, prompt=ids)))
    assert by_ids == got, f"token-id prompts {by_ids!r} != text prompts {got!r}"
    print("OK local-completions (token-id prompts, lm-eval's default tokenized_requests): same texts")

    seed = 77
    sampled = post(base, "/completions", {"model": MODEL, "prompt": prompts[0], "max_tokens": 12, "temperature": 0.8,
                                          "n": 2, "seed": seed})
    local = [json.loads(line) for line in subprocess.run(
        [binary, "generate", "--model", MODEL, "--prompt", prompts[0], "--max-tokens", "12", "--temperature", "0.8",
         "--n", "2", "--seed", str(seed), "--json"], capture_output=True, text=True, check=True).stdout.splitlines()]
    assert texts(sampled) == [s["completion"] for s in local], (texts(sampled), local)
    assert [s["seed"] for s in local] == [seed, seed + 1]
    print(f"OK n=2 temperature 0.8 seed {seed}: equal to `codeeval generate --n 2` (seeds {seed}, {seed + 1})")

    question = "What is the capital of France? Answer in one word."
    chat_body = {"model": MODEL, "messages": [{"role": "user", "content": question}], "max_tokens": 16,
                 "temperature": 0, "stop": ["\n\n"], "seed": 1234}
    chat = post(base, "/chat/completions", chat_body)
    assert chat["object"] == "chat.completion" and len(chat["choices"]) == 1, chat
    c = chat["choices"][0]
    assert c["message"]["role"] == "assistant" and isinstance(c["message"]["content"], str), c
    assert c["finish_reason"] in ("stop", "length"), c
    templated = ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                 f"<|im_start|>user\n{question}<|im_end|>\n<|im_start|>assistant\n")
    same = texts(post(base, "/completions", {"model": MODEL, "prompt": templated, "max_tokens": 16, "temperature": 0,
                                             "stop": ["\n\n", "<|im_end|>"], "seed": 1234}))[0]
    assert same == c["message"]["content"], f"chat {c['message']['content']!r} != templated completion {same!r}"
    print(f"OK local-chat-completions: {c['message']['content']!r} ({c['finish_reason']}), equal to the ChatML prompt "
          "through /v1/completions")

    status, ctype, text = post(base, "/completions", dict(body, prompt=prompts[1], stream=True,
                                                          stream_options={"include_usage": True}), raw=True)
    assert status == 200 and ctype.startswith("text/event-stream"), (status, ctype)
    events = [e[len("data: "):] for e in text.split("\n\n") if e.startswith("data: ")]
    assert events[-1] == "[DONE]", events[-3:]
    chunks = [json.loads(e) for e in events[:-1]]
    streamed = "".join(ch["text"] for k in chunks for ch in k["choices"])
    finish = [ch["finish_reason"] for k in chunks for ch in k["choices"] if ch["finish_reason"]]
    assert streamed == got[1] and finish == [batch["choices"][1]["finish_reason"]], (streamed, got[1], finish)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0, chunks[-1]
    print(f"OK stream: {len(chunks)} chunks add up to the non-streamed text, then [DONE]")

    loglikelihood(binary, base)

    status, ctype, text = post(base, "/chat/completions", dict(chat_body, stream=True), raw=True)
    deltas = [json.loads(e[6:]) for e in text.split("\n\n") if e.startswith("data: {")]
    content = "".join(k["choices"][0]["delta"].get("content", "") for k in deltas)
    assert content == c["message"]["content"] and text.rstrip().endswith("data: [DONE]"), (content, c)
    print("OK chat stream: deltas add up to the non-streamed message")


def lm_eval_parse_logprobs(resp, ctxlens):
    """lm-eval's parse of a loglikelihood answer: per choice (by index), the continuation's log-likelihood (the
    token_logprobs after the context, without the last entry: the generated token) and whether it is greedy."""
    out = []
    for choice, ctxlen in zip(sorted(resp["choices"], key=lambda c: c["index"]), ctxlens):
        lps = choice["logprobs"]["token_logprobs"][ctxlen:-1]
        tops = choice["logprobs"]["top_logprobs"][ctxlen:-1]
        out.append((sum(lps), all(lp == max(top.values()) for lp, top in zip(lps, tops))))
    return out


def loglikelihood(binary, base):
    def tokenize(text):
        return json.loads(subprocess.run([binary, "tokenize", "--model", MODEL, "--json", text], capture_output=True,
                                         text=True, check=True).stdout)["tokens"]
    context = "Question: What is 2 + 3?\nAnswer:"
    ctx = tokenize(context)
    # The model's own greedy continuation (2 tokens) is one option; it must come out greedy and most likely.
    own = post(base, "/completions", {"model": MODEL, "prompt": [ctx], "max_tokens": 2, "temperature": 0,
                                      "logprobs": 0})["choices"][0]
    assert len(own["logprobs"]["token_logprobs"]) == 2 and all(lp <= 0 for lp in own["logprobs"]["token_logprobs"]), own
    greedy_text = own["text"]
    options = [greedy_text, " banana split", " 7"]
    inputs = [tokenize(context + o) for o in options]
    assert all(i[:len(ctx)] == ctx for i in inputs), "continuations must not change the context's tokens"
    body = {"model": MODEL, "prompt": inputs, "temperature": 0, "max_tokens": 1, "logprobs": 1, "seed": 1234,
            "echo": True}
    resp = post(base, "/completions", body)
    for i, c in zip(inputs, sorted(resp["choices"], key=lambda c: c["index"])):
        lp = c["logprobs"]
        assert len(lp["token_logprobs"]) == len(i) + 1 == len(lp["tokens"]) == len(lp["top_logprobs"]) \
            == len(lp["text_offset"]), lp
        assert lp["token_logprobs"][0] is None and lp["top_logprobs"][0] is None, lp
        assert all(x <= 0 for x in lp["token_logprobs"][1:]), lp
    parsed = lm_eval_parse_logprobs(resp, [len(ctx)] * len(inputs))
    assert not parsed[1][1], parsed
    if len(inputs[0]) == len(ctx) + 2:  # the generated text re-tokenizes to the generated tokens
        assert parsed[0][1] and max(range(len(parsed)), key=lambda k: parsed[k][0]) == 0, parsed
    print(f"OK loglikelihood (lm-eval body and parse): {[(o, round(ll, 4), g) for o, (ll, g) in zip(options, parsed)]}")

    zero = post(base, "/completions", dict(body, max_tokens=0))
    for a, b in zip(sorted(resp["choices"], key=lambda c: c["index"]), sorted(zero["choices"], key=lambda c: c["index"])):
        assert a["logprobs"]["token_logprobs"][:-1] == b["logprobs"]["token_logprobs"], (a, b)
        assert a["logprobs"]["tokens"][:-1] == b["logprobs"]["tokens"] and b["text"] == a["text"][:len(b["text"])]
    texts_resp = post(base, "/completions", dict(body, prompt=[context + o for o in options], max_tokens=0))
    assert [c["logprobs"]["token_logprobs"] for c in texts_resp["choices"]] == \
        [c["logprobs"]["token_logprobs"] for c in zero["choices"]], "text prompts must equal their ids"
    print("OK loglikelihood: max_tokens 0 (pure scoring) gives the same prompt log-probabilities; text prompts equal ids")


if __name__ == "__main__":
    main()
