#!/usr/bin/env python3
"""Writes the GGUF fuzzer's seed: a minimal valid GGUF v3 file (three metadata kinds, a string array, one aligned
F32 tensor), built field by field here so no binary model file lives in the repository.
Usage: scripts/fuzz/seeds/gguf.py OUT_FILE"""
import struct, sys


def string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def main():
    kv = [
        string("general.architecture") + struct.pack("<I", 8) + string("llama"),
        string("general.alignment") + struct.pack("<I", 4) + struct.pack("<I", 32),
        string("tokenizer.ggml.tokens") + struct.pack("<II", 9, 8) + struct.pack("<Q", 2) + string("a") + string("b"),
    ]
    # One tensor "w": 2 dimensions (4 × 2), type F32 (0), at offset 0 of the data section.
    tensor = string("w") + struct.pack("<I", 2) + struct.pack("<QQ", 4, 2) + struct.pack("<I", 0) + struct.pack("<Q", 0)
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv)) + b"".join(kv) + tensor
    head += b"\0" * (-len(head) % 32)
    with open(sys.argv[1], "wb") as f:
        f.write(head + b"\0" * (4 * 2 * 4))


if __name__ == "__main__":
    main()
