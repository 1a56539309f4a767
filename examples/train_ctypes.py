#!/usr/bin/env python3
"""train_ctypes.py - clgan from Python through ctypes alone: no build step, no numpy.

Loads libclgan.so, prints its version and the OpenCL devices, trains a few GAN steps on
Fashion-MNIST through the public API of clgan.h and prints each step's metrics.

    python3 examples/train_ctypes.py [--lib PATH] [--device SPEC] [--steps N] [--param NAME=VALUE ...]

The library is --lib, else $CLGAN_LIB, else build/libclgan.so beside this folder. --param sets
any field of struct clgan_gan_params by name (batch, lr, ngf, data, seed, ...); the defaults
here are small so that a step takes a moment on a CPU. Nothing is written to disk.

The structs this needs are declared below field for field as clgan.h has them; the large
struct clgan_gan_params is not: clgan_gan_params_new/_set/_free reach it by name.
"""
import argparse
import ctypes
import math
import os
import sys
from ctypes import (POINTER, Structure, byref, c_char, c_char_p, c_double, c_int, c_longlong,
                    c_size_t, c_uint, c_uint64, c_void_p)


class DeviceInfo(Structure):  # struct clgan_device_info
    _fields_ = [("index", c_int), ("platform", c_int), ("device", c_int), ("kind", c_int),
                ("platform_name", c_char * 128), ("platform_vendor", c_char * 128),
                ("platform_version", c_char * 128), ("name", c_char * 128),
                ("vendor", c_char * 128), ("version", c_char * 128),
                ("driver_version", c_char * 128), ("opencl_c_version", c_char * 64),
                ("compute_units", c_uint), ("clock_mhz", c_uint), ("global_mem", c_uint64),
                ("max_alloc", c_uint64), ("local_mem", c_uint64), ("max_work_group", c_size_t),
                ("fp16", c_int), ("fp64", c_int), ("host_unified", c_int)]


class CtxParams(Structure):  # struct clgan_ctx_params
    _fields_ = [("device", c_char_p), ("device_index", c_int), ("profiling", c_int),
                ("gemm", c_int), ("cache_dir", c_char_p), ("kernel_dir", c_char_p),
                ("build_options", c_char_p), ("clblast_tuning", c_char_p), ("log_level", c_int)]


class GanStats(Structure):  # struct clgan_gan_stats
    _fields_ = [("step", c_longlong), ("epoch", c_int), ("loss_d", c_double),
                ("loss_g", c_double), ("d_x", c_double), ("d_g_z1", c_double),
                ("d_g_z2", c_double)]


def load(path):
    lib = ctypes.CDLL(path)
    sigs = {
        "clgan_version": (c_char_p, []),
        "clgan_status_str": (c_char_p, [c_int]),
        "clgan_device_kind_str": (c_char_p, [c_int]),
        "clgan_devices_query": (c_int, [POINTER(POINTER(DeviceInfo)), POINTER(c_int), c_char_p,
                                        c_size_t]),
        "clgan_ctx_default_params": (CtxParams, []),
        "clgan_ctx_init": (c_int, [POINTER(CtxParams), POINTER(c_void_p), c_char_p, c_size_t]),
        "clgan_ctx_device": (POINTER(DeviceInfo), [c_void_p]),
        "clgan_ctx_free": (None, [c_void_p]),
        "clgan_gan_params_new": (c_void_p, []),
        "clgan_gan_params_set": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, c_size_t]),
        "clgan_gan_params_free": (None, [c_void_p]),
        "clgan_gan_init": (c_int, [c_void_p, c_void_p, c_void_p, POINTER(c_void_p), c_char_p,
                                   c_size_t]),
        "clgan_gan_step": (c_int, [c_void_p, POINTER(GanStats)]),
        "clgan_gan_progress": (None, [c_void_p, POINTER(c_longlong), POINTER(c_longlong),
                                      POINTER(c_longlong)]),
        "clgan_gan_last_error": (c_char_p, [c_void_p]),
        "clgan_gan_free": (None, [c_void_p]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def fail(text):
    print("train_ctypes: " + text, file=sys.stderr)
    sys.exit(1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Train a few GAN steps through libclgan.so.")
    ap.add_argument("--lib", default=os.environ.get("CLGAN_LIB") or
                    os.path.join(here, "..", "build", "libclgan.so"),
                    help="path of libclgan.so (default: $CLGAN_LIB, else ../build/libclgan.so)")
    ap.add_argument("--device", default=None, help="device SPEC (default: $CLGAN_DEVICE or auto)")
    ap.add_argument("--steps", type=int, default=10, help="training steps (default 10)")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="a field of struct clgan_gan_params, e.g. lr=1e-4 (repeatable)")
    args = ap.parse_args()
    if args.steps < 1:
        ap.error("--steps must be at least 1")

    try:
        lib = load(args.lib)
    except (OSError, AttributeError) as e:
        fail("cannot load %s: %s" % (args.lib, e))
    # free() as the process resolves it (the library's malloc may be interposed, e.g. by a
    # sanitizer), not libc's own symbol
    free = ctypes.CDLL(None).free
    free.argtypes = [c_void_p]
    msg = ctypes.create_string_buffer(2048)
    print("clgan %s (%s)" % (lib.clgan_version().decode(), args.lib))

    # 1. every device of every platform; the array is malloc'ed by the library
    devs, count = POINTER(DeviceInfo)(), c_int()
    st = lib.clgan_devices_query(byref(devs), byref(count), msg, len(msg))
    if st != 0:
        fail(msg.value.decode())
    for i in range(count.value):
        d = devs[i]
        print("device %d  %d:%d  [%s]  %s  (%s; %d CUs, %d MiB)" %
              (d.index, d.platform, d.device, lib.clgan_device_kind_str(d.kind).decode(),
               d.name.decode(), d.platform_name.decode(), d.compute_units,
               d.global_mem // (1 << 20)))
    free(devs)

    # 2. a context on one device
    cp = lib.clgan_ctx_default_params()
    if args.device:
        cp.device = args.device.encode()
    ctx = c_void_p()
    if lib.clgan_ctx_init(byref(cp), byref(ctx), msg, len(msg)) != 0:
        fail(msg.value.decode())
    print("using: %s" % lib.clgan_ctx_device(ctx).contents.name.decode())

    # 3. the GAN: PyTorch's DCGAN defaults made small, then the caller's --param settings
    p = lib.clgan_gan_params_new()
    gan = c_void_p()
    code = 1
    try:
        if not p:
            fail("out of memory")
        settings = [("ngf", "8"), ("ndf", "8"), ("batch", "16"), ("max_images", "512"),
                    ("iters", str(args.steps)), ("out_dir", "")]
        for item in args.param:
            name, eq, value = item.partition("=")
            if not eq:
                fail("--param %s: expected NAME=VALUE" % item)
            settings.append((name, value))
        for name, value in settings:
            if lib.clgan_gan_params_set(p, name.encode(), value.encode(), msg, len(msg)) != 0:
                fail(msg.value.decode())
        if lib.clgan_gan_init(ctx, None, p, byref(gan), msg, len(msg)) != 0:
            fail(msg.value.decode())
        per_epoch, done, total = c_longlong(), c_longlong(), c_longlong()
        lib.clgan_gan_progress(gan, byref(per_epoch), byref(done), byref(total))
        print("%d steps per epoch; training %d steps" % (per_epoch.value, args.steps))

        # 4. steps: k D updates and one G update each; asking for stats reads the scalars back
        s = GanStats()
        for _ in range(args.steps):
            st = lib.clgan_gan_step(gan, byref(s))
            if st != 0:
                fail("step failed (%s): %s" % (lib.clgan_status_str(st).decode(),
                                               lib.clgan_gan_last_error(gan).decode()))
            print("step %d epoch %d Loss_D %.4f Loss_G %.4f D(x) %.4f D(G(z)) %.4f / %.4f" %
                  (s.step, s.epoch, s.loss_d, s.loss_g, s.d_x, s.d_g_z1, s.d_g_z2))
            if not all(math.isfinite(v) for v in (s.loss_d, s.loss_g, s.d_x, s.d_g_z1,
                                                  s.d_g_z2)):
                fail("step %d: a metric is not finite" % s.step)
        code = 0
    finally:
        lib.clgan_gan_free(gan)
        lib.clgan_gan_params_free(p)
        lib.clgan_ctx_free(ctx)
    return code


if __name__ == "__main__":
    sys.exit(main())
