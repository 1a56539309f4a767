#!/usr/bin/env python3
"""Compare the float32 tensors of two safetensors files within a tolerance (metadata ignored).

usage: st_close.py A B ATOL RTOL [PREFIX...]
Every tensor (whose name starts with one of the prefixes, if given) must be in both with the same
dtype and shape, and every element must satisfy |a - b| <= ATOL + RTOL * |b|. Prints the largest
absolute and relative differences and the tensor they are in; exit 0 when within, 1 otherwise."""
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
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    a, b = load(sys.argv[1]), load(sys.argv[2])
    atol, rtol = float(sys.argv[3]), float(sys.argv[4])
    prefixes = sys.argv[5:]
    keep = lambda k: not prefixes or any(k.startswith(p) for p in prefixes)
    ka = sorted(k for k in a if keep(k))
    kb = sorted(k for k in b if keep(k))
    if ka != kb or not ka:
        print("tensor names differ or none:", set(ka) ^ set(kb))
        return 1
    worst_abs, worst_rel, where, bad = 0.0, 0.0, "", 0
    for k in ka:
        (da, sa, ba), (db, sb, bb) = a[k], b[k]
        if da != db or sa != sb:
            print(f"{k}: dtype or shape differ")
            return 1
        if da != "F32":
            if ba != bb:
                print(f"{k}: {da} bytes differ")
                return 1
            continue
        xa = struct.unpack(f"<{len(ba) // 4}f", ba)
        xb = struct.unpack(f"<{len(bb) // 4}f", bb)
        for u, v in zip(xa, xb):
            d = abs(u - v)
            if d > worst_abs:
                worst_abs, where = d, k
            worst_rel = max(worst_rel, d / abs(v) if v else 0.0)
            if not d <= atol + rtol * abs(v):
                bad += 1
    print(f"max abs diff {worst_abs:.3g} (in {where}), max rel diff {worst_rel:.3g}, "
          f"{bad} elements outside atol {atol:g} + rtol {rtol:g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
