#!/usr/bin/env python3
"""PyTorch reference timing of dcgan32 or dcgan64 training on the CPU: the baseline for clgan bench.

The same model and step as `clgan bench --model dcgan32|dcgan64` (`clgan arch MODEL` prints its
G and D) and PyTorch's DCGAN example: 1 image channel, nz 100, ngf = ndf = 64; G is a stack of
transposed convolutions (4 for 32 x 32 images, 5 for 64 x 64: ngf*4 .. ngf, or ngf*8 .. ngf,
then 1 channel), BN and ReLU after each but the last, tanh at the end; D mirrors it with strided
convolutions, leaky ReLU 0.2 and BN after each but the first, and a last 4x4 convolution to one
logit. No conv biases. Adam lr 2e-4 betas (0.5, 0.999), BCE on logits, one D update (real
batch, then the fake batch detached) and one G update with the non-saturating loss that reuses
the same fake batch. The real batch is gathered from a data set resident in memory as uint8
and scaled to [-1, 1], as clgan does on the device; by default the data set holds as many
images as clgan bench loads (batch x (warm-up + timed steps + 1)), so that the peak memory of
the two compares.

Prints torch's version, the median step time, the CPU time per step (all threads), images/s,
the GFLOP per step counted as clgan counts them, the parameter counts of G and D, and the
process's peak resident memory (ru_maxrss: torch itself, the model, Adam's state, the
activations and the data set; also printed as it was right after importing torch, which a
CUDA build of torch makes larger than a CPU-only one); --json FILE writes them as JSON. --check-arch FILE compares the
model with the JSON of `clgan arch MODEL` layer by layer and exits 1 on a difference.
Exits 0 with a "skipped" line when torch is not installed (PyPI: python3 -m venv v &&
v/bin/pip install torch, run with v/bin/python; Debian: apt-get install python3-torch, run with
/usr/bin/python3).
"""
import argparse
import json
import resource
import statistics
import sys
import time

MODELS = {"dcgan32": 32, "dcgan64": 64}


def build(torch, size, nz, ngf, ndf, nc):
    """G and D of clgan's dcgan<size> preset (PyTorch's DCGAN example for size 64)."""
    nn = torch.nn
    inner = {32: 3, 64: 4}[size]  # layers between the 4x4 one and the image
    g = [nn.ConvTranspose2d(nz, ngf << (inner - 1), 4, 1, 0, bias=False),
         nn.BatchNorm2d(ngf << (inner - 1)), nn.ReLU(True)]
    for i in range(inner - 1, 0, -1):
        g += [nn.ConvTranspose2d(ngf << i, ngf << (i - 1), 4, 2, 1, bias=False),
              nn.BatchNorm2d(ngf << (i - 1)), nn.ReLU(True)]
    g += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
    d = [nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for i in range(1, inner):
        d += [nn.Conv2d(ndf << (i - 1), ndf << i, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf << i),
              nn.LeakyReLU(0.2, inplace=True)]
    d += [nn.Conv2d(ndf << (inner - 1), 1, 4, 1, 0, bias=False)]
    g, d = nn.Sequential(*g), nn.Sequential(*d)

    def init(m):
        name = m.__class__.__name__
        if name.find("Conv") != -1:
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    g.apply(init)
    d.apply(init)
    return g, d


def layers_as_clgan(torch, net):
    """The layers of an nn.Sequential in the format of `clgan arch`."""
    nn = torch.nn
    out = []
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            out.append({"type": "conv2d" if isinstance(m, nn.Conv2d) else "convtranspose2d",
                        "out": m.out_channels, "kernel": m.kernel_size[0], "stride": m.stride[0],
                        "padding": m.padding[0], "bias": m.bias is not None})
        elif isinstance(m, nn.BatchNorm2d):
            out.append({"type": "batchnorm"})
        elif isinstance(m, nn.ReLU):
            out.append({"type": "relu"})
        elif isinstance(m, nn.LeakyReLU):
            out.append({"type": "leakyrelu", "slope": m.negative_slope})
        elif isinstance(m, nn.Tanh):
            out.append({"type": "tanh"})
        else:
            out.append({"type": m.__class__.__name__})
    return out


def clgan_params(net):
    """Parameter count of one network of `clgan arch` JSON (conv weights and biases, BN's
    scale and shift), from its layers alone."""
    c = net["inputs"][0]["shape"][0]
    n = 0
    for layer in net["layers"]:
        if layer["type"] in ("conv2d", "convtranspose2d"):
            n += c * layer["out"] * layer["kernel"] ** 2 + (layer["out"] if layer["bias"] else 0)
            c = layer["out"]
        elif layer["type"] == "batchnorm":
            n += 2 * c
    return n


def check_arch(torch, path, g, d, g_in, d_in):
    """Compares G and D with clgan's JSON; returns the lines to print and whether they match."""
    with open(path) as f:
        arch = json.load(f)
    ok = True
    lines = []
    for name, net, shape in (("G", g, g_in), ("D", d, d_in)):
        want = arch[name]
        mine = layers_as_clgan(torch, net)
        if [list(shape)] != [i["shape"] for i in want["inputs"]]:
            lines.append("%s input: clgan %s, pytorch %s"
                         % (name, [i["shape"] for i in want["inputs"]], list(shape)))
            ok = False
        for i in range(max(len(mine), len(want["layers"]))):
            a = want["layers"][i] if i < len(want["layers"]) else None
            b = mine[i] if i < len(mine) else None
            if a != b:
                lines.append("%s layer %d: clgan %s, pytorch %s" % (name, i + 1, a, b))
                ok = False
        lines.append("%s: %d layers, %d parameters (clgan's JSON: %d layers, %d parameters)"
                     % (name, len(mine), sum(p.numel() for p in net.parameters()),
                        len(want["layers"]), clgan_params(want)))
    return lines, ok


def step_flops(torch, g, d, nz, nc, size, batch):
    """FLOP of one training step counted as clgan counts them (clgan_gan_flops_per_step): a
    convolution costs 2 x MACs in each pass (forward, input gradient, weight gradient), batch
    norm 8 (forward) and 10 (input gradient) per element, an activation 1 per element in the
    forward and input gradient passes. A D update runs G forward, D forward, input and weight
    gradient on the real and the fake batch; the G update D forward and input gradient and G's
    input and weight gradients."""
    nn = torch.nn

    def per_pass(net, x):
        f = [0.0, 0.0, 0.0]

        def hook(m, inp, out):
            n = inp[0].numel()
            if isinstance(m, nn.Conv2d):
                c = 2.0 * out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1]
                f[0] += c
                f[1] += c
                f[2] += c
            elif isinstance(m, nn.ConvTranspose2d):
                c = 2.0 * n * m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                f[0] += c
                f[1] += c
                f[2] += c
            elif isinstance(m, nn.BatchNorm2d):
                f[0] += 8.0 * n
                f[1] += 10.0 * n
            else:
                f[0] += n
                f[1] += n

        hs = [m.register_forward_hook(hook) for m in net]
        was = net.training
        net.eval()
        with torch.no_grad():
            net(x)
        net.train(was)
        for h in hs:
            h.remove()
        return f

    gf, gbd, gbw = per_pass(g, torch.zeros(batch, nz, 1, 1))
    df, dbd, dbw = per_pass(d, torch.zeros(batch, nc, size, size))
    return gf + 2 * df + 2 * dbw + 2 * dbd + df + dbd + gbd + gbw


def peak_rss_mib():
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1048576.0 if sys.platform == "darwin" else 1024.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=sorted(MODELS), default="dcgan32",
                    help="clgan's DCGAN preset to train (default dcgan32)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--images", type=int, default=0,
                    help="images in the data set (0: as many as clgan bench loads, "
                         "batch x (warmup + steps + 1))")
    ap.add_argument("--check-arch", metavar="FILE",
                    help="compare the model with this output of `clgan arch MODEL` first")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    a = ap.parse_args()
    if a.batch < 1 or a.steps < 1 or a.warmup < 0 or a.threads < 1 or a.images < 0:
        ap.error("batch, steps and threads must be >= 1, warmup and images >= 0")
    try:
        import torch
    except ImportError:
        print("pytorch_dcgan: skipped: %s has no torch (PyPI: python3 -m venv v && "
              "v/bin/pip install torch, run with v/bin/python; Debian: apt-get install "
              "python3-torch, run with /usr/bin/python3)" % sys.executable)
        return 0
    import_rss = peak_rss_mib()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    nz, nc, size = 100, 1, MODELS[a.model]
    count = a.images or a.batch * (a.warmup + a.steps + 1)
    count = max(count, a.batch)
    g, d = build(torch, size, nz, 64, 64, nc)
    params_g = sum(p.numel() for p in g.parameters())
    params_d = sum(p.numel() for p in d.parameters())
    if a.check_arch:
        lines, ok = check_arch(torch, a.check_arch, g, d, (nz, 1, 1), (nc, size, size))
        for line in lines:
            print("arch check: " + line)
        if not ok:
            print("pytorch_dcgan: the model differs from %s" % a.check_arch)
            return 1
        print("arch check: G and D match %s" % a.check_arch)
    gflop = step_flops(torch, g, d, nz, nc, size, a.batch) / 1e9
    crit = torch.nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = torch.randint(0, 256, (count, nc, size, size), dtype=torch.uint8)
    perm = torch.randperm(count)
    ones = torch.full((a.batch,), 1.0)
    zeros = torch.full((a.batch,), 0.0)
    state = {"i": 0}

    def step():
        i = state["i"] % (count // a.batch)
        state["i"] += 1
        idx = perm[i * a.batch:(i + 1) * a.batch]
        real = data[idx].float().mul_(2.0 / 255.0).sub_(1.0)
        d.zero_grad()
        err_real = crit(d(real).view(-1), ones)
        err_real.backward()
        noise = torch.randn(a.batch, nz, 1, 1)
        fake = g(noise)
        err_fake = crit(d(fake.detach()).view(-1), zeros)
        err_fake.backward()
        opt_d.step()
        g.zero_grad()
        err_g = crit(d(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()
        return err_real.item() + err_fake.item(), err_g.item()

    for _ in range(a.warmup):
        step()
    times = []
    c0 = time.process_time()
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - c0) / a.steps
    med = statistics.median(times)
    ips = a.batch / med
    rss = peak_rss_mib()
    print("pytorch %s (%d threads): %s, batch %d, %d timed steps after %d warm-up, %d images "
          "in the data set" % (torch.__version__, torch.get_num_threads(), a.model, a.batch,
                               a.steps, a.warmup, count))
    print("step time: median %.1f ms, min %.1f, max %.1f" % (med * 1e3, min(times) * 1e3,
                                                            max(times) * 1e3))
    print("CPU time: %.1f ms per step (all threads)" % (cpu * 1e3))
    print("images/s: %.1f" % ips)
    print("GFLOP/s: %.1f (%.2f GFLOP per step, counted as clgan counts)" % (gflop / med, gflop))
    print("parameters: G %d, D %d" % (params_g, params_d))
    print("peak RSS: %.1f MiB (%.1f after importing torch)" % (rss, import_rss))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__,
                       "python": sys.executable, "model": a.model,
                       "threads": torch.get_num_threads(), "batch": a.batch, "steps": a.steps,
                       "warmup": a.warmup, "images": count, "step_median_s": med,
                       "step_min_s": min(times), "step_max_s": max(times),
                       "cpu_s_per_step": cpu, "images_per_s": ips, "gflop_per_step": gflop,
                       "gflops": gflop / med, "params_g": params_g, "params_d": params_d,
                       "peak_rss_mib": rss, "import_rss_mib": import_rss}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
