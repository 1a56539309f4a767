#!/usr/bin/env python3
"""PyTorch's DCGAN example networks, for checking that clgan and PyTorch read each other's files.

usage:
  torch_dcgan.py save G.st D.st [--size 32] [--nz 16] [--ngf 8] [--ndf 8] [--nc 1] [--no-nbt]
      G and D of PyTorch's example (Sequential "main", its layer order), random weights and BN
      statistics, saved as safetensors under the state_dict's names (--no-nbt: without the
      num_batches_tracked buffers, as state_dicts before PyTorch 0.4.1)
  torch_dcgan.py forward G.st Z.npy OUT.npy [--size 32] ...
      G(z) in eval mode (running statistics), z from a float32 .npy of shape (n, nz)
  torch_dcgan.py load G.st [--size 32] ...
      load a generator file into the example's G with strict name and shape checks
  torch_dcgan.py pngs OUT.npy DIR
      DIR/sample_%06d.png (clgan sample --format png) against G's outputs in OUT.npy, as 8-bit
      pixels (v + 1) * 127.5 rounded: at most 1 level apart
  torch_dcgan.py compare A.st B.st [--tol 1e-6] [--skip SUFFIX ...]
      every float tensor of A is in B with the same shape and values within tol
Exit status 0 when the check holds; the message says what differed otherwise."""
import json
import struct
import sys

import torch
import torch.nn as nn

DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def save_st(tensors, path):
    """A safetensors file: 8-byte header length, the JSON header, the tensors' bytes."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load_st(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        raw = bytearray(data[8 + n + a:8 + n + b])
        dt = {"F32": torch.float32, "I64": torch.int64}[h["dtype"]]
        out[name] = torch.frombuffer(raw, dtype=dt).reshape(h["shape"]) if raw else \
            torch.zeros(h["shape"], dtype=dt)
    return out


def read_png_gray(path):
    """Pixels of an 8-bit grayscale, non-interlaced PNG as rows of ints."""
    import zlib
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color == 0, "not 8-bit gray"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, rows, prev = zlib.decompress(idat), [], [0] * w
    for y in range(h):
        ft, line = raw[y * (w + 1)], list(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        for x in range(w):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return rows


def make_g(size, nz, ngf, nc):
    """ConvTranspose-BN-ReLU blocks from 4x4 up to size x size, then Tanh (the example's G)."""
    layers, mult = [], size // 8
    layers += [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=False),
               nn.BatchNorm2d(ngf * mult), nn.ReLU(True)]
    while mult > 1:
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ngf * mult // 2), nn.ReLU(True)]
        mult //= 2
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    m = nn.Module()
    m.main = nn.Sequential(*layers)
    return m


def make_d(size, ndf, nc):
    """Conv-LeakyReLU, then Conv-BN-LeakyReLU blocks down to 4x4, then a 4x4 conv to one logit
    and Sigmoid (the example's D)."""
    layers = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    mult, s = 1, size // 2
    while s > 4:
        layers += [nn.Conv2d(ndf * mult, ndf * mult * 2, 4, 2, 1, bias=False),
                   nn.BatchNorm2d(ndf * mult * 2), nn.LeakyReLU(0.2, True)]
        mult, s = mult * 2, s // 2
    layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 0, bias=False), nn.Sigmoid()]
    m = nn.Module()
    m.main = nn.Sequential(*layers)
    return m


def randomize(m, gen):
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
                mod.weight.normal_(0.0, 0.05, generator=gen)
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.normal_(1.0, 0.1, generator=gen)
                mod.bias.normal_(0.0, 0.1, generator=gen)
                mod.running_mean.normal_(0.0, 0.1, generator=gen)
                mod.running_var.uniform_(0.5, 1.5, generator=gen)
                mod.num_batches_tracked.fill_(7)


def opt(args, name, default, cast=int):
    return cast(args[args.index(name) + 1]) if name in args else default


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    size, nz = opt(args, "--size", 32), opt(args, "--nz", 16)
    ngf, ndf, nc = opt(args, "--ngf", 8), opt(args, "--ndf", 8), opt(args, "--nc", 1)
    torch.manual_seed(3)
    if cmd == "save":
        gen = torch.Generator().manual_seed(5)
        for path, m in ((args[0], make_g(size, nz, ngf, nc)), (args[1], make_d(size, ndf, nc))):
            randomize(m, gen)
            sd = {k: v for k, v in m.state_dict().items()
                  if not ("--no-nbt" in args and k.endswith("num_batches_tracked"))}
            save_st(sd, path)
        return 0
    if cmd == "forward":
        import numpy as np
        g = make_g(size, nz, ngf, nc)
        g.load_state_dict(load_st(args[0]), strict=False)
        z = torch.from_numpy(np.load(args[1]).astype(np.float32)).reshape(-1, nz, 1, 1)
        with torch.no_grad():
            np.save(args[2], g.eval().main(z).numpy())
        return 0
    if cmd == "load":
        g = make_g(size, nz, ngf, nc)
        try:
            g.load_state_dict(load_st(args[0]), strict=True)
        except RuntimeError as e:
            print(str(e).splitlines()[0])
            return 1
        with torch.no_grad():
            y = g.eval().main(torch.randn(2, nz, 1, 1))
        ok = tuple(y.shape) == (2, nc, size, size) and bool(torch.isfinite(y).all())
        print("G(z):", tuple(y.shape), "finite" if ok else "NOT finite")
        return 0 if ok else 1
    if cmd == "pngs":
        import math
        import numpy as np
        out, worst = np.load(args[0]), 0
        for i in range(out.shape[0]):
            rows = read_png_gray("%s/sample_%06d.png" % (args[1], i))
            for y, row in enumerate(rows):
                for x, v in enumerate(row):
                    want = min(255, max(0, math.floor((float(out[i, 0, y, x]) + 1) * 127.5 + 0.5)))
                    worst = max(worst, abs(v - want))
        print("%d images, largest difference %d levels" % (out.shape[0], worst))
        return 0 if worst <= 1 else 1
    if cmd == "compare":
        a, b = load_st(args[0]), load_st(args[1])
        tol = opt(args, "--tol", 1e-6, float)
        skip = [args[i + 1] for i, x in enumerate(args) if x == "--skip"]
        n = 0
        for name, t in a.items():
            if t.dtype != torch.float32 or any(name.endswith(s) for s in skip):
                continue
            if name not in b or b[name].shape != t.shape:
                print(name, "missing or of another shape in", args[1])
                return 1
            d = (b[name] - t).abs().max().item() if t.numel() else 0.0
            if d > tol:
                print(name, "differs by", d)
                return 1
            n += 1
        print(n, "tensors agree")
        return 0 if n else 1
    print("unknown command", cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main())
