#!/usr/bin/python3
# The PyTorch side of scripts/bench/conv-pytorch.sh: the convolutional VAE of `vae train --model conv` (TF CVAE shape:
# conv 32, 64 3x3/2 ReLU -> dense 2*Dz; dense 7*7*32 ReLU -> convT 64, 32 3x3/2 "same" ReLU -> convT 1 3x3/1), Bernoulli
# logits, estimator B, L = 1, Adam 1e-3, M = 100, Dz = 20, fp32; MNIST training images in ONE tensor, dynamic binarization
# per batch, no DataLoader. Times S steps after a warm-up and scales them to the 600 steps of an epoch; then the single-
# sample test ELBO on the 10,000 test images. Prints one JSON line. Run with Debian's python3-torch (/usr/bin/python3).
import argparse, gzip, json, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1); ap.add_argument("--steps", type=int, default=60)
ap.add_argument("--warmup", type=int, default=5); ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--data", default=os.environ.get("VAE_DATA", "data")); ap.add_argument("--dz", type=int, default=20)
a = ap.parse_args()
torch.manual_seed(a.seed); torch.set_num_threads(a.threads)

def idx(name):
    with gzip.open(os.path.join(a.data, "mnist", name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255.0

xtr = torch.from_numpy(idx("train-images-idx3-ubyte.gz"))
xte = torch.bernoulli(torch.from_numpy(idx("t10k-images-idx3-ubyte.gz")), generator=torch.Generator().manual_seed(a.seed + 1))

class ConvVae(nn.Module):
    def __init__(s, dz):
        super().__init__()
        s.c0, s.c1 = nn.Conv2d(1, 32, 3, 2), nn.Conv2d(32, 64, 3, 2)
        s.head = nn.Linear(6 * 6 * 64, 2 * dz)
        s.d0 = nn.Linear(dz, 7 * 7 * 32)
        s.t0 = nn.ConvTranspose2d(32, 64, 3, 2, padding=1, output_padding=1)
        s.t1 = nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1)
        s.t2 = nn.ConvTranspose2d(32, 1, 3, 1, padding=1)

    def elbo(s, x):  # per datapoint, estimator B
        h = F.relu(s.c1(F.relu(s.c0(x)))).flatten(1)
        mu, lv = s.head(h).chunk(2, dim=1)
        z = mu + torch.exp(0.5 * lv) * torch.randn_like(mu)
        d = F.relu(s.d0(z)).view(-1, 32, 7, 7)
        logits = s.t2(F.relu(s.t1(F.relu(s.t0(d)))))
        logpx = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        return logpx + 0.5 * (1 + lv - mu ** 2 - lv.exp()).sum(1)

m = ConvVae(a.dz)
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
def step(x):
    loss = -m.elbo(x).mean()
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()

bs, n = 100, xtr.shape[0]
for i in range(a.warmup): step(torch.bernoulli(xtr[i * bs:(i + 1) * bs]))
perm = torch.randperm(n)
t0 = time.perf_counter()
for i in range(a.steps): step(torch.bernoulli(xtr[perm[i * bs:(i + 1) * bs]]))
t1 = time.perf_counter()
with torch.no_grad():
    test = torch.cat([m.elbo(xte[i:i + 500]) for i in range(0, xte.shape[0], 500)]).mean().item()
t2 = time.perf_counter()
train_s = (t1 - t0) * (n // bs) / a.steps
print(json.dumps({"system": "pytorch", "version": torch.__version__, "threads": a.threads, "steps_timed": a.steps,
                  "train_s": train_s, "eval_s": t2 - t1, "epoch_s": train_s + t2 - t1, "test_elbo": test}))
