#!/usr/bin/env python3
"""Check a safetensors file: header and offsets valid, every F32 tensor finite.

usage: st_check.py FILE [KEY]   exit 0 when the file is valid and finite; with KEY, print that
metadata value (e.g. step)."""
import json
import math
import struct
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    if len(data) < 8:
        print("too short")
        return 1
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        print("header runs past the end")
        return 1
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    base, end = 8 + n, 8 + n
    bad = 0
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        if not (0 <= lo <= hi and base + hi <= len(data)):
            print("bad offsets:", name)
            return 1
        end = max(end, base + hi)
        if t["dtype"] == "F32":
            vals = struct.unpack("<%df" % ((hi - lo) // 4), data[base + lo:base + hi])
            nonfinite = sum(1 for v in vals if not math.isfinite(v))
            if nonfinite:
                print("not finite: %s (%d values)" % (name, nonfinite))
                bad += 1
    if end != len(data):
        print("trailing bytes")
        return 1
    if len(sys.argv) > 2:
        print(meta.get(sys.argv[2], ""))
    return 1 if bad else 0


sys.exit(main())
