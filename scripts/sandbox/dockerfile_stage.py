#!/usr/bin/env python3
"""Reads the last (runtime) stage of a Dockerfile and prints it as bash assignments for scripts/sandbox/container-check,
so the check reproduces whatever the Dockerfile says instead of a copy of it.

Printed: SUITE (the Debian release of `FROM debian:<release>[-slim]`), BASE_STEPS (the instructions before the first
COPY, which the check caches with the debootstrap root), STEPS (the rest, in order; each "RUN<TAB>shell command" or
"COPY<TAB>src...<TAB>dst" with --from=builder sources), IMAGE_USER, WORKDIR, ENVS (NAME=value), HEALTHCHECK (the
CMD's shell form), ENTRYPOINT and CMD (exec forms). Anything it does not understand is an error naming the line.
Usage: dockerfile_stage.py Dockerfile
"""
import json
import re
import shlex
import sys


def instructions(path):
    """(line number, keyword, argument text) per instruction, continuation lines joined, comments dropped."""
    out, pending, start = [], "", 0
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if not pending:
                start = n
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            text = (pending + line).strip()
            pending = ""
            keyword, _, rest = text.partition(" ")
            out.append((start, keyword.upper(), rest.strip()))
    return out


def fail(path, line, why):
    sys.exit(f"{path}:{line}: {why}")


def main():
    path = sys.argv[1]
    all_ins = instructions(path)
    froms = [i for i, (_, k, _) in enumerate(all_ins) if k == "FROM"]
    if not froms:
        sys.exit(f"{path}: no FROM")
    stage = all_ins[froms[-1]:]
    line, _, base = stage[0]
    image = base.split()[0]
    m = re.fullmatch(r"debian:([a-z]+)(-slim)?", image)
    if not m:
        fail(path, line, f"runtime base {image!r} is not debian:<release>[-slim]")
    base_steps, steps, envs = [], [], []
    user = workdir = healthcheck = None
    entrypoint, cmd = [], []
    for line, keyword, rest in stage[1:]:
        if keyword == "RUN":
            (steps if steps else base_steps).append("RUN\t" + rest)
        elif keyword == "COPY":
            words = rest.split()
            if not words[0].startswith("--from="):
                fail(path, line, "COPY from the build context: not reproduced")
            steps.append("COPY\t" + "\t".join(words[1:]))
        elif keyword == "USER":
            user = rest
        elif keyword == "WORKDIR":
            workdir = rest
        elif keyword == "ENV":
            name, _, value = rest.partition("=") if "=" in rest.split()[0] else rest.partition(" ")
            envs.append(f"{name.strip()}={value.strip()}")
        elif keyword == "HEALTHCHECK":
            m2 = re.search(r"\bCMD\s+(.*)$", rest)
            if not m2:
                fail(path, line, "HEALTHCHECK without CMD")
            healthcheck = m2.group(1)
        elif keyword in ("ENTRYPOINT", "CMD"):
            try:
                value = json.loads(rest)
            except json.JSONDecodeError:
                fail(path, line, f"{keyword} is not in exec (JSON) form")
            if keyword == "ENTRYPOINT":
                entrypoint = value
            else:
                cmd = value
        elif keyword in ("VOLUME", "EXPOSE", "LABEL"):
            continue
        else:
            fail(path, line, f"{keyword} in the runtime stage: not reproduced")
    if user is None or healthcheck is None:
        sys.exit(f"{path}: the runtime stage needs USER and HEALTHCHECK")
    q = shlex.quote
    print(f"SUITE={q(m.group(1))}")
    print("BASE_STEPS=(" + " ".join(q(s) for s in base_steps) + ")")
    print("STEPS=(" + " ".join(q(s) for s in steps) + ")")
    print(f"IMAGE_USER={q(user)}")
    print(f"WORKDIR={q(workdir or '/')}")
    print("ENVS=(" + " ".join(q(e) for e in envs) + ")")
    print(f"HEALTHCHECK={q(healthcheck)}")
    print("ENTRYPOINT=(" + " ".join(q(a) for a in entrypoint) + ")")
    print("CMD=(" + " ".join(q(a) for a in cmd) + ")")


if __name__ == "__main__":
    main()
