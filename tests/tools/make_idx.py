#!/usr/bin/env python3
"""Write a small IDX image file of deterministic pseudo-random images (fast to load in tests).

usage: make_idx.py OUT [COUNT [SIZE]]   COUNT images of SIZE x SIZE (default 128, 28)."""
import random
import struct
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 128
size = int(sys.argv[3]) if len(sys.argv) > 3 else 28
rng = random.Random(1)
# smooth blobs rather than noise: a value per 4x4 cell, so images have some structure
pixels = bytearray()
for _ in range(count):
    cells = [[rng.randrange(256) for _ in range(size // 4 + 1)] for _ in range(size // 4 + 1)]
    for y in range(size):
        pixels.extend(cells[y // 4][x // 4] for x in range(size))
with open(out, "wb") as f:
    f.write(struct.pack(">IIII", 0x803, count, size, size))
    f.write(pixels)
