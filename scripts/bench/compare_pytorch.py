#!/usr/bin/python3
# The PyTorch side of scripts/bench/compare-pytorch.sh: one configuration per call, PyTorch at its best on a CPU.
# Run with Debian's python3 + python3-torch (/usr/bin/python3). Model and loop mirror `vae train`'s defaults:
# 784-500-20 tanh, Bernoulli decoder, estimator B, Adam 1e-3, M = 100, L = 1; the 60,000 MNIST training images
# (train + validation, as `vae train --validation merge`) held in ONE float32 tensor, a fresh randperm per epoch,
# dynamic binarization per batch (torch.bernoulli), no DataLoader; after the epoch, the single-sample test ELBO
# on the 10,000 test images (fixed binarization), as `vae train` does every epoch.
# Prints one JSON line: seconds of the timed epoch's steps, of its test ELBO, and their sum.
#   --table FILE: instead, read the JSON lines of a comparison and print the markdown table.
import argparse, gzip, json, os, sys, time


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bf16_support():
    """(supported, reason): PyTorch 1.13's CPU bf16 matmuls are fast only with AVX512_BF16 or AMX (oneDNN brgemm);
    without them oneDNN emulates bf16 with fp32 arithmetic plus conversions, which is no 'best configuration'."""
    flags = cpu_flags()
    have = sorted(flags & {"avx512_bf16", "amx_bf16"})
    if have:
        return True, "cpu flags " + ",".join(have)
    return False, "not supported on this CPU (no avx512_bf16 / amx_bf16 flag in /proc/cpuinfo)"


def run(a):
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    ok, why = bf16_support()
    base = {"system": "pytorch", "version": torch.__version__, "precision": a.precision, "threads": a.threads}
    if a.precision == "bf16" and not ok and not a.force:
        print(json.dumps({**base, "status": why}))
        return
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)

    def idx(name):
        with gzip.open(os.path.join(a.data, "mnist", name)) as f:
            return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0

    xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz"))  # [60000, 784] float32, in memory
    xte = torch.bernoulli(torch.from_numpy(idx("t10k-images-idx3-ubyte.gz")),
                          generator=torch.Generator().manual_seed(a.seed + 1))

    class Vae(nn.Module):
        def __init__(s, d=784, h=500, dz=20):
            super().__init__()
            s.e, s.mu, s.lv = nn.Linear(d, h), nn.Linear(h, dz), nn.Linear(h, dz)
            s.d, s.out = nn.Linear(dz, h), nn.Linear(h, d)

        def elbo(s, x):  # per datapoint, estimator B (closed-form KL)
            h = torch.tanh(s.e(x)); mu, lv = s.mu(h), s.lv(h)
            z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
            logits = s.out(torch.tanh(s.d(z)))
            logpx = -F.binary_cross_entropy_with_logits(logits.float(), x, reduction="none").sum(1)
            kl = -0.5 * (1 + lv.float() - mu.float() ** 2 - lv.float().exp()).sum(1)
            return logpx - kl

    m = Vae()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)  # fp32 master weights and optimizer state in both precisions
    bf16 = a.precision == "bf16"

    def ctx():
        return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else torch.autocast("cpu", enabled=False)

    def step(x):
        with ctx():
            loss = -m.elbo(x).mean()
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return loss

    n, bs = xtr.shape[0], 100
    epoch_steps = n // bs
    steps = min(a.steps, epoch_steps) if a.steps else epoch_steps
    for i in range(a.warmup):  # warm-up: oneDNN primitive caches, allocator, thread pool
        step(torch.bernoulli(xtr[i * bs:(i + 1) * bs]))
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    for i in range(steps):
        step(torch.bernoulli(xtr[perm[i * bs:(i + 1) * bs]]))
    t1 = time.perf_counter()
    with torch.no_grad(), ctx():
        test = torch.cat([m.elbo(xte[i:i + 1000]) for i in range(0, xte.shape[0], 1000)]).mean().item()
    t2 = time.perf_counter()
    train_s = (t1 - t0) * epoch_steps / steps  # a partial epoch (--steps) is scaled to the 600 steps of a whole one
    print(json.dumps({**base, "status": "ok", "bf16": why, "steps_timed": steps, "train_s": train_s, "eval_s": t2 - t1,
                      "epoch_s": train_s + (t2 - t1), "test_elbo": test}))


def parse_vae(a):
    """One JSON line from a `vae train --epochs 2` log: its last epoch line (steady state; the interval split that
    RunDriver prints) and the provider line."""
    import re
    text = open(a.parse_vae).read()
    blas = re.search(r"blas=([^,]+)", text)
    ep = [l for l in text.splitlines() if l.startswith("epoch ")]
    m = re.search(r"test ELBO (-?[0-9.]+) nats.*interval ([0-9.]+) s = steps ([0-9.]+) \(waiting for batches ([0-9.]+)\) "
                  r"\+ test ELBO ([0-9.]+)", ep[-1] if ep else "")
    label = re.search(r"; precision: (.*)$", text.splitlines()[0] if text else "")  # what ran, when bf16 was asked for
    base = {"system": "vae", "provider": a.provider, "precision": a.precision, "threads": a.threads,
            "provider_described": blas.group(1).strip() if blas else a.provider,
            "precision_ran": label.group(1).strip() if label else a.precision}
    if not m:
        print(json.dumps({**base, "status": "no epoch timing line in the log"}))
        return
    elbo, wall, steps, batches, ev = (float(g) for g in m.groups())
    scale = 600 / a.steps if a.steps else 1.0  # a partial epoch (--steps) is scaled to the 600 steps of a whole one
    other = wall - steps - ev  # checkpoint writing etc., once per curve point as per epoch
    print(json.dumps({**base, "status": "ok", "steps_timed": a.steps or 600, "epoch_s": steps * scale + ev + other,
                      "train_s": steps * scale, "batch_s": batches * scale, "eval_s": ev, "other_s": other, "test_elbo": elbo}))


def table(path):
    rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    meta = [r for r in rows if r.get("system") == "machine"]
    res = {}
    for r in rows:
        if r.get("system") in ("pytorch", "vae"):
            key = (r["system"], r.get("provider", ""), r["precision"], r["threads"])
            res.setdefault(key, []).append(r)
    best = {}
    for key, rs in res.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        best[key] = min(ok, key=lambda r: r["epoch_s"]) if ok else rs[-1]

    def fastest(prec):
        c = [v for k, v in best.items() if k[0] == "pytorch" and k[2] == prec and v.get("status") == "ok"]
        return min(c, key=lambda r: r["epoch_s"]) if c else None
    t32, t16 = fastest("fp32"), fastest("bf16")
    if meta:
        print(f"machine: {meta[-1]['cpu']}, {meta[-1]['cpus']} cpus; {meta[-1].get('note', '')}")
    rounds = max(len(v) for v in res.values()) if res else 0
    part = sorted({r.get("steps_timed", 600) for r in rows if r.get("status") == "ok"})
    if part and part != [600]:
        print(f"steps timed per configuration: {part[0]}, scaled to 600 (the epoch's test ELBO is timed whole)")
    print(f"best of {rounds} interleaved round(s); one epoch = 600 steps (60,000 dynamically binarized MNIST images, M = 100) "
          f"+ test ELBO on 10,000 test images; 784-500-20 tanh, Adam, L = 1, estimator B\n")
    print("| system | precision | threads | s/epoch | steps s | test ELBO s | vs PyTorch fp32 (best) | vs PyTorch bf16 (best) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")

    def ratio(r, ref):
        return f"{r['epoch_s'] / ref['epoch_s']:.2f}" if ref and r.get("status") == "ok" else "n/a"
    for key in sorted(best, key=lambda k: (k[0] != "pytorch", k[1], k[2], k[3])):
        r = best[key]
        desc = " ".join(r.get("provider_described", key[1]).split()[:3]).rstrip(";")
        name = "PyTorch " + r.get("version", "") if key[0] == "pytorch" else f"vae {key[1]}: {desc}"
        prec = key[2] if "ran fp32" not in r.get("precision_ran", "") else f"{key[2]} requested, ran fp32"
        if r.get("status") != "ok":
            print(f"| {name} | {prec} | {key[3]} | {r.get('status')} | | | | |")
            continue
        print(f"| {name} | {prec} | {key[3]} | {r['epoch_s']:.2f} | {r['train_s']:.2f} | {r['eval_s']:.2f} | "
              f"{ratio(r, t32)} | {ratio(r, t16)} |")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.environ.get("VAE_DATA", "data"))
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--warmup", type=int, default=20, help="untimed steps before the timed epoch")
    p.add_argument("--steps", type=int, default=0, help="time this many steps and scale to an epoch (0 = a whole epoch)")
    p.add_argument("--force", action="store_true", help="run bf16 autocast even where the CPU has no bf16 instructions")
    p.add_argument("--table", help="print the markdown table of a comparison's JSON lines and exit")
    p.add_argument("--parse-vae", help="turn a `vae train` log into the comparison's JSON line and exit")
    p.add_argument("--provider", default="auto")
    a = p.parse_args()
    if a.parse_vae:
        parse_vae(a)
    elif a.table:
        table(a.table)
    else:
        run(a)
