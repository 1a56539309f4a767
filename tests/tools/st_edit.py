#!/usr/bin/env python3
"""Rewrite a safetensors file with changed metadata or tensor values (for fault tests).

usage: st_edit.py IN OUT [meta:KEY=VALUE | meta:KEY | tensor:NAME=VALUE ...]
  meta:KEY=VALUE  set a metadata string (meta:KEY alone deletes it)
  tensor:NAME=V   set the first element of an F32 tensor to float V (nan, inf, -inf, 1e30 ...)"""
import json
import struct
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = bytearray(data[8 + n:])
    meta = header.get("__metadata__", {}) or {}
    for arg in sys.argv[3:]:
        kind, _, rest = arg.partition(":")
        key, eq, val = rest.partition("=")
        if kind == "meta":
            if eq:
                meta[key] = val
            else:
                meta.pop(key, None)
        elif kind == "tensor":
            t = header[key]
            assert t["dtype"] == "F32", key
            lo = t["data_offsets"][0]
            body[lo:lo + 4] = struct.pack("<f", float(val))
        else:
            raise SystemExit("unknown edit: " + arg)
    header["__metadata__"] = meta
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(sys.argv[2], "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + bytes(body))


main()
