#!/usr/bin/env python3
"""Write the seed corpus of each fuzz target into fuzz/corpus/<target>/.

A few small valid inputs per target, and one of each kind of damage the parser checks for, so
the fuzzer starts inside every branch instead of having to find the formats by chance. The
output is deterministic (gzip with mtime 0); run it again after changing it and commit the
result. Regression inputs for fixed bugs are named regress-*: those the fuzzer found are
committed as it wrote them (this script leaves files it does not write alone), the others are
written below.
"""
import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


# ------------------------------------------------------------------ IDX
def idx(magic, dims, data):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


images = idx(0x803, [2, 3, 4], range(24))
labels = idx(0x801, [5], [0, 9, 3, 3, 1])
put("idx", "images", images)
put("idx", "labels", labels)
put("idx", "images.gz", gz(images))
put("idx", "labels.gz", gz(labels))
put("idx", "images_two_members.gz", gz(images[:10]) + gz(images[10:]))
put("idx", "truncated", images[:-3])
put("idx", "trailing", images + b"\0\0")
put("idx", "zero_dim", idx(0x803, [2, 0, 4], []))
put("idx", "overflow", idx(0x803, [0xFFFFFFFF] * 3, []))
put("idx", "float_type", idx(0xD03, [1, 1, 1], [0, 0, 0, 0]))
put("idx", "cut_header", images[:9])
put("idx", "empty", b"")
bad_crc = bytearray(gz(images))
bad_crc[-8] ^= 0x55
put("idx", "bad_crc.gz", bytes(bad_crc))
put("idx", "junk_after.gz", gz(images) + b"junk")
put("idx", "cut_trailer.gz", gz(images)[:-6])
# more than the first 64 KiB block: the output buffer has to grow (compresses to ~200 bytes)
large = idx(0x803, [2, 256, 160], bytes(2 * 256 * 160))
put("idx", "images_large.gz", gz(large))
put("idx", "images_large_short.gz", gz(large[:-1000]))

# ------------------------------------------------------------------ CSV
# An optional class column name ends at a NUL byte (see fuzz_csv.c).
put("csv", "iris", "sepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n"
    "6.3,3.3,virginica\n")
put("csv", "numeric_labels", "a,label\n1,10\n2,9\n3,2\n4,10\n")
put("csv", "mixed_labels", "a,label\n1,b\n2,2\n3,10\n")
put("csv", "quotes_crlf_bom", "\ufeffkind , \"x\",y\r\n\r\n \"a, \"\"q\"\"\" , 1.5 ,\" -2 \"\r\n"
    "b,  3e2,4\r\n   \n")
put("csv", "class_by_name", "grade\0x,grade,z\n1,3,2\n4,1.0,5\n")
put("csv", "class_missing", "species\0a,b,c\n1,2,x\n3,4,y\n")
put("csv", "no_final_newline", "a,c\n1,x\n2,y")
put("csv", "ragged", "a,b,c\n1,2,x\n1,2\n")
put("csv", "unterminated_quote", "a,b,c\n1,\"2,x\n")
put("csv", "after_quote", "a,b,c\n1,\"2\"x,y\n")
put("csv", "single_class", "a,b,c\n1,2,x\n3,4,x\n")
put("csv", "not_a_number", "a,b,c\n1,nan,x\n1,inf,y\n1,0x1p3,z\n")
put("csv", "duplicate_names", "a,b,a\n1,2,x\n")
put("csv", "duplicate_names_later", "a,b,c,b,a,b\n1,2,3,4,5,x\n")
put("csv", "nul_in_line", "a,b\n1\0,x\n2,y\n")
put("csv", "empty", "")


# ------------------------------------------------------------------ safetensors
def st(header, data=b"", raw=None):
    text = raw if raw is not None else json.dumps(header, separators=(",", ":"))
    text = text.encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


f32 = struct.pack("<6f", *range(6))
put("safetensors", "two_f32_meta", st({
    "__metadata__": {"format": "pt", "step": "12"},
    "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
    "b": {"dtype": "F32", "shape": [], "data_offsets": [24, 28]},
}, f32 + struct.pack("<f", 7)))
put("safetensors", "every_dtype", st({
    name: {"dtype": name, "shape": [1], "data_offsets": [off, off + size]}
    for name, size, off in zip(
        ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8",
         "BOOL"],
        [8, 4, 2, 2, 8, 4, 2, 1, 8, 4, 2, 1, 1],
        [0, 8, 12, 14, 16, 24, 28, 30, 31, 39, 43, 45, 46])
}, bytes(47)))
put("safetensors", "empty_tensor", st({"e": {"dtype": "F32", "shape": [0, 4],
                                             "data_offsets": [0, 0]}}))
put("safetensors", "no_tensors", st({}))
put("safetensors", "overlap", st({
    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
put("safetensors", "gap", st({"a": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}},
                             bytes(3)))
put("safetensors", "bad_dtype", st({"a": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}},
                                   bytes(1)))
put("safetensors", "shape_mismatch", st({"a": {"dtype": "F32", "shape": [3],
                                               "data_offsets": [0, 8]}}, bytes(8)))
put("safetensors", "duplicate_name", st(None, bytes(2), raw='{"a":{"dtype":"U8","shape":[1],'
                                        '"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],'
                                        '"data_offsets":[1,2]}}'))
put("safetensors", "meta_not_string", st({"__metadata__": {"k": 1}}))
put("safetensors", "meta_duplicate", st(None, raw='{"__metadata__":{"b":"1","a":"2","b":"3"}}'))
put("safetensors", "big_numbers", st({"a": {"dtype": "U8", "shape": [9007199254740992],
                                            "data_offsets": [0, 9007199254740992]}}))
put("safetensors", "header_too_long", struct.pack("<Q", 200000000) + b"{}")
put("safetensors", "truncated", st({"a": {"dtype": "F32", "shape": [2],
                                          "data_offsets": [0, 8]}}, bytes(4)))
put("safetensors", "not_json", st(None, raw="{\"a\": [1, 2,"))


# ------------------------------------------------------------------ resume metadata
# Input: batches per epoch (one byte), then a checkpoint (see fuzz_resume.c).
good_meta = {"format": "clgan-gan-1", "model": "dcgan32", "step": "12", "epoch": "1",
             "batch_in_epoch": "4", "adam_t_G": "12", "adam_t_D": "12", "bn_batches_D": "24",
             "shuffle_state": "18446744073709551615", "noise_counter": "4096", "seed": "999"}


def ckpt(**changes):
    m = dict(good_meta)
    for k, v in changes.items():
        if v is None:
            m.pop(k, None)
        else:
            m[k] = v
    return bytes([8]) + st({"__metadata__": m})


put("resume", "valid", ckpt())
put("resume", "step_negative", ckpt(step="-5"))
put("resume", "step_nan", ckpt(step="nan"))
put("resume", "step_fraction", ckpt(step="1.5"))
put("resume", "step_huge", ckpt(step="1e30"))
put("resume", "batch_past_epoch", ckpt(batch_in_epoch="9"))
put("resume", "batch_negative", ckpt(batch_in_epoch="-1000000"))
put("resume", "shuffle_past_2_64", ckpt(shuffle_state="18446744073709551616"))
put("resume", "noise_signed", ckpt(noise_counter="-1"))
put("resume", "seed_missing", ckpt(seed=None))
put("resume", "wrong_format", ckpt(format="clgan-generator-1"))


# ------------------------------------------------------------------ cached choices
# Input: a byte (bit 0: 0 GEMM backend, 1 convolution routes; bits 1-3: the heuristic's route
# per pass), then the entry's text (see fuzz_choice.c).
put("choice", "gemm_own", b"\x00own 0.002000000 0.012000000\n")
put("choice", "gemm_clblast", b"\x00clblast 0.050000000 0.004000000\n")
put("choice", "gemm_failed_side", b"\x00own 0.002 inf\n")
put("choice", "gemm_contradicts", b"\x00clblast 0.001 0.5\n")
put("choice", "gemm_nan", b"\x00own nan 0.5\n")
routes = b"up phases 0.004 0.002\ndown phases 0.004 0.002\nwgrad columns 0.001 0.002\n"
put("choice", "routes_cpu", b"\x0f" + routes)
put("choice", "routes_gpu", b"\x01up columns 0.002 0.040\ndown columns 0.002 0.040\n"
    b"wgrad columns 0.002 0.040\n")
put("choice", "routes_within_margin", b"\x0fup phases 0.0021 0.0023\ndown phases 1 1\n"
    b"wgrad phases 1 1\n")
put("choice", "routes_out_of_order", b"\x0f" + routes.replace(b"up", b"xx", 1))
put("choice", "routes_short", b"\x0fup phases 0.004 0.002\n")
put("choice", "routes_trailing", b"\x0f" + routes + b"extra 1 2 3\n")
put("choice", "routes_failed", b"\x0fup phases inf inf\n" + routes.split(b"\n", 1)[1])

# ------------------------------------------------------------------ program cache entries
# Input: key length byte, key, entry (see fuzz_cache.c).
def fnv1a64(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def entry(key, binary, klen=None, blen=None, sum_=None):
    k = key.encode()
    return (b"CLGANPC2" + struct.pack("<I", len(k) if klen is None else klen) + k +
            struct.pack("<Q", len(binary) if blen is None else blen) +
            struct.pack("<Q", fnv1a64(binary) if sum_ is None else sum_) + binary)


key = "gemm|-cl-std=CL1.2|pocl|cpu"
kb = key.encode()
put("cache", "valid", bytes([len(kb)]) + kb + entry(key, b"\x7fELF binary"))
put("cache", "other_key", bytes([len(kb)]) + kb + entry("conv|x", b"bin"))
put("cache", "empty_binary", bytes([len(kb)]) + kb + entry(key, b""))
put("cache", "length_mismatch", bytes([len(kb)]) + kb + entry(key, b"abc", blen=4))
put("cache", "huge_key_length", bytes([3]) + b"abc" + entry("abc", b"x", klen=0xFFFFFFFF))
put("cache", "bad_magic", bytes([3]) + b"abc" + b"CLGANPC1" + entry("abc", b"x")[8:])
put("cache", "bad_checksum", bytes([len(kb)]) + kb + entry(key, b"\x7fELF binary", sum_=1))
put("cache", "flipped_bit", bytes([len(kb)]) + kb + entry(key, b"\x7fELF binary")[:-1] + b"x")
put("cache", "short", bytes([0]) + b"CLGANPC2\x01")


# ------------------------------------------------------------------ device SPECs
# Input: count, message mode, two bytes per device, SPEC, NUL, first device's name (see
# fuzz_device.c). Kinds: 0 dGPU, 1 iGPU, 2 accel, 3 CPU, 4 simulator, 5 other.
def dev(kinds, spec, msg_mode=6, name=None, pd=None):
    b = bytes([len(kinds), msg_mode])
    for i, k in enumerate(kinds):
        b += bytes([k + 6 * (i % 6), pd[i] if pd else (i << 2) | (i << 5)])
    b += spec.encode()
    if name is not None:
        b += b"\0" + name.encode()
    return b


machine = [4, 3]  # Oclgrind and PoCL, as here
put("device", "auto", dev(machine, "auto"))
put("device", "auto_only_simulator", dev([4], "auto"))
put("device", "index", dev(machine, "1"))
put("device", "index_out_of_range", dev(machine, "99"))
put("device", "negative", dev(machine, "-1"))
put("device", "platform_device", dev(machine, "1:0", pd=[0, 1]))
put("device", "platform_device_bad", dev(machine, "1:"))
put("device", "type_gpu", dev([3, 0, 1], "gpu"))
put("device", "type_missing", dev(machine, "accel"))
put("device", "name_part", dev(machine, "OCLGRIND"))
put("device", "name_custom", dev(machine, "rtx", name="NVIDIA GeForce RTX 4090"))
put("device", "unknown_small_msg", dev(machine, "nosuch", msg_mode=2))
put("device", "unknown_no_msg", dev(machine, "nosuch", msg_mode=7))
put("device", "no_devices", dev([], "auto"))
put("device", "empty_spec", dev([5, 2, 3], ""))


# ------------------------------------------------------------------ option values
# Even first byte: option index, then its value. Odd: argv lines (see fuzz_opts.c). Options:
# 0 --flag, 1 --batch, 2 --small, 3 --wide, 4 --seed, 5 --iters, 6 --lr, 7 --scale, 8 --name,
# 9 --loss, 10 --odd.
def one(i, value):
    return bytes([0, i]) + value.encode()


def argv(args, n_pos=0):
    return bytes([1 | (n_pos << 1)]) + "\n".join(args).encode()


put("opts", "batch", one(1, "64"))
put("opts", "batch_zero", one(1, "0"))
put("opts", "batch_hex", one(1, "0x40"))
put("opts", "small_negative", one(2, "-3"))
put("opts", "wide", one(3, "2147483647"))
put("opts", "seed_max", one(4, "9223372036854775807"))
put("opts", "seed_overflow", one(4, "9223372036854775808"))
put("opts", "iters_max", one(5, "9007199254740992"))
# 2^53 + 1 rounds to 2^53 as a double; it was accepted while bounds were compared as doubles
put("opts", "regress-iters-above-2p53", one(5, "9007199254740993"))
put("opts", "lr", one(6, "2e-4"))
put("opts", "lr_nan", one(6, "nan"))
put("opts", "scale_huge", one(7, "1e300"))
put("opts", "name_empty", one(8, ""))
put("opts", "loss", one(9, "minimax"))
put("opts", "odd_empty_choice", one(10, ""))
put("opts", "argv_mixed", argv(["--batch", "32", "--lr=0.001", "--flag", "--loss=ns",
                                "--name", "run1"]))
put("opts", "argv_positional", argv(["data.csv", "--seed", "7", "out"], n_pos=2))
put("opts", "argv_unknown", argv(["--nope=1"]))
put("opts", "argv_missing_value", argv(["--batch"]))
put("opts", "argv_flag_value", argv(["--flag=1"]))
put("opts", "argv_help", argv(["--help"]))
# after "--" an argument that looks like an option is a positional
put("opts", "regress-dashdash-positional", argv(["--seed", "3", "--", "--batch", "x"], n_pos=2))


# ------------------------------------------------------------------ NPY noise files
# Byte 0: nz - 1 in the low 4 bits, bit 7 set for a name ending in .npy; byte 1: the vector
# limit - 1 (see fuzz_npy.c). Then the file.
def npy(dict_text, data, major=1):
    pre = 10 if major == 1 else 12
    hl = len(dict_text) + 1
    hl += (64 - (pre + hl) % 64) % 64
    head = dict_text.encode() + b" " * (hl - len(dict_text) - 1) + b"\n"
    size = struct.pack("<H", hl) if major == 1 else struct.pack("<I", hl)
    return b"\x93NUMPY" + bytes([major, 0]) + size + head + data


def noise(nz, npy_name, limit, body):
    return bytes([(nz - 1) | (0x80 if npy_name else 0), limit - 1]) + body


vals = struct.pack("<8f", *[0.25 * i - 1 for i in range(8)])
d2 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }"
put("npy", "v1_2d", noise(4, True, 8, npy(d2, vals)))
put("npy", "v1_4d", noise(4, True, 8, npy(d2.replace("(2, 4)", "(2, 4, 1, 1)"), vals)))
put("npy", "v2", noise(4, True, 8, npy(d2, vals, major=2)))
put("npy", "reordered", noise(4, True, 8, npy("{'shape': (2,4), 'fortran_order': False, "
                                              "'descr': '<f4'}", vals)))
put("npy", "raw", noise(4, False, 8, vals))
put("npy", "raw_bad_size", noise(3, False, 8, vals))
put("npy", "f8", noise(4, True, 8, npy(d2.replace("<f4", "<f8"), vals)))
put("npy", "fortran", noise(4, True, 8, npy(d2.replace("False", "True"), vals)))
put("npy", "other_nz", noise(2, True, 8, npy(d2, vals)))
put("npy", "truncated", noise(4, True, 8, npy(d2, vals[:-1])))
put("npy", "nan", noise(4, True, 8, npy(d2, vals[:4] + struct.pack("<f", float("nan")) + vals[8:])))
put("npy", "hl_past_end", noise(4, True, 8, npy(d2, vals)[:8] + b"\xff\x7f" + npy(d2, vals)[10:]))
