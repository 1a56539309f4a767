#!/usr/bin/env python3
"""PyTorch reference timing of dcgan32 training on the CPU: the baseline for clgan bench.

The same step as clgan's GAN trainer and PyTorch's DCGAN example: G and D of dcgan32 (see
docs/ARCHITECTURE.md or /usr/share/doc DESIGN), no conv biases, BN, Adam lr 2e-4 betas
(0.5, 0.999), BCE on logits, one D update (real batch, then the fake batch detached) and one G
update with the non-saturating loss that reuses the same fake batch. The real batch is gathered
from a data set resident in memory as uint8 and scaled to [-1, 1], as clgan does on the device.

Prints the median step time, the CPU time per step (all threads) and images/s after warm-up; --json FILE writes them as JSON.
Exits 0 with a "skipped" line when torch is not installed (Debian: apt-get install
python3-torch; run it with /usr/bin/python3).
"""
import argparse
import json
import statistics
import sys
import time


def build(torch, nz, ngf, ndf, nc):
    nn = torch.nn
    g = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False))

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("pytorch_dcgan: skipped: torch is not installed (apt-get install python3-torch; "
              "run with /usr/bin/python3)")
        return 0
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    nz, size, count = 100, 32, 60000
    g, d = build(torch, nz, 64, 64, 1)
    crit = torch.nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = torch.randint(0, 256, (count, 1, size, size), dtype=torch.uint8)
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
    print("pytorch %s (%d threads): dcgan32, batch %d, %d timed steps after %d warm-up"
          % (torch.__version__, torch.get_num_threads(), a.batch, a.steps, a.warmup))
    print("step time: median %.1f ms, min %.1f, max %.1f" % (med * 1e3, min(times) * 1e3,
                                                            max(times) * 1e3))
    print("CPU time: %.1f ms per step (all threads)" % (cpu * 1e3))
    print("images/s: %.1f" % ips)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
                       "batch": a.batch, "steps": a.steps, "step_median_s": med, "cpu_s_per_step": cpu,
                       "images_per_s": ips}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
