#!/usr/bin/env python3
# A plain PyTorch implementation of the same VAE, for the "learns at least as well, epoch for epoch" comparison
# (issue 4). Run with Debian's python3 and python3-torch:  /usr/bin/python3 scripts/pytorch_baseline.py --epochs 20
# Model: 784-500-20, tanh, Bernoulli decoder, estimator B (closed-form KL), Adam 1e-3, M=100, L=1, PyTorch's
# default nn.Linear init. Training data: MNIST train (60,000) dynamically binarized per batch. Test: single-sample
# ELBO on a fixed (seeded) binarization of the 10,000 test images, nats per datapoint.
import argparse, gzip, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", default=os.environ.get("VAE_DATA", "data"))
p.add_argument("--epochs", type=int, default=20)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.manual_seed(a.seed); torch.set_num_threads(a.threads)

def idx(name):
    with gzip.open(os.path.join(a.data, "mnist", name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0

xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz"))
xte = torch.bernoulli(torch.from_numpy(idx("t10k-images-idx3-ubyte.gz")), generator=torch.Generator().manual_seed(a.seed + 1))

class Vae(nn.Module):
    def __init__(s, d=784, h=500, dz=20):
        super().__init__()
        s.e, s.mu, s.lv = nn.Linear(d, h), nn.Linear(h, dz), nn.Linear(h, dz)
        s.d, s.out = nn.Linear(dz, h), nn.Linear(h, d)
    def elbo(s, x):  # per datapoint, estimator B
        h = torch.tanh(s.e(x)); mu, lv = s.mu(h), s.lv(h)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        logits = s.out(torch.tanh(s.d(z)))
        logpx = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        kl = -0.5 * (1 + lv - mu * mu - lv.exp()).sum(1)
        return logpx - kl

m = Vae(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
print(f"torch {torch.__version__}, threads {a.threads}, seed {a.seed}")
for ep in range(1, a.epochs + 1):
    t0 = time.time(); perm = torch.randperm(60000)
    for i in range(0, 60000, 100):
        x = torch.bernoulli(xtr[perm[i:i + 100]])
        loss = -m.elbo(x).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        test = torch.cat([m.elbo(xte[i:i + 1000]) for i in range(0, 10000, 1000)]).mean().item()
    print(f"epoch {ep}: test ELBO {test:.2f} nats (dynamic-binarized train, fixed-binarized test), {time.time() - t0:.1f} s")

# The binarization of the test set moves the number by ~0.1-0.2 nats: also report the mean over 5 binarizations x 4
# noise draws (the C# side reports the same average, see README).
xg = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz"))
with torch.no_grad():
    vals = []
    for b in range(5):
        xb = torch.bernoulli(xg, generator=torch.Generator().manual_seed(100 + b))
        for _ in range(4):
            vals.append(torch.cat([m.elbo(xb[i:i + 1000]) for i in range(0, 10000, 1000)]).mean().item())
print(f"final: test ELBO {np.mean(vals):.2f} nats, mean over 5 test binarizations x 4 noise draws (spread {np.std(vals):.2f})")
