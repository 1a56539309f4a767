#!/usr/bin/env python3
"""Compare the tensors of two safetensors files byte for byte (metadata ignored).

usage: st_compare.py A B [PREFIX...]   exit 0 when every tensor (with a name starting with one of
the prefixes, if given) is present in both with the same dtype, shape and bytes."""
import json
import struct
import sys


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    return {k: (v["dtype"], v["shape"], data[base + v["data_offsets"][0]:base + v["data_offsets"][1]])
            for k, v in header.items()}


def main():
    a, b = load(sys.argv[1]), load(sys.argv[2])
    prefixes = sys.argv[3:]
    keep = lambda k: not prefixes or any(k.startswith(p) for p in prefixes)
    ka = sorted(k for k in a if keep(k))
    kb = sorted(k for k in b if keep(k))
    if ka != kb:
        print("tensor names differ:", set(ka) ^ set(kb))
        return 1
    bad = [k for k in ka if a[k] != b[k]]
    for k in bad[:10]:
        print("differs:", k)
    print(f"{len(ka)} tensors compared, {len(bad)} differ")
    return 1 if bad or not ka else 0


sys.exit(main())
