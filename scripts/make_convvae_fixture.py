#!/usr/bin/env python3
# Writes tests/Vae.Tests/fixtures/conv/convvae_{B_L1,A_L2}.json: the convolutional VAE (TF CVAE shape, small filters
# 3,4 / 4,2, Dz = 3, ReLU, Bernoulli) in PyTorch float64 with autograd: the bound J, per-datapoint ELBO and every gradient.
# Run once with Debian's python3-torch: /usr/bin/python3 scripts/make_convvae_fixture.py (seeds 1511, 1512; ~1 min).
# Parameters are created in the engine's layout (NHWC; Conv2d W [K*K*Cin, Cout]; ConvTranspose2d W [Cin, K*K*Cout];
# dense W [in, out]) and reshaped to PyTorch's inside the forward, so gradients come out in the engine's layout.
import json, math, os, sys
import torch
import torch.nn.functional as F

dt = torch.float64
F1, F2, G1, G2, DZ, K = 3, 4, 4, 2, 3, 3
LAYOUT = [("enc.conv0.W", K * K * 1, F1), ("enc.conv0.b", 1, F1), ("enc.conv1.W", K * K * F1, F2), ("enc.conv1.b", 1, F2),
          ("enc.mu.W", 36 * F2, DZ), ("enc.mu.b", 1, DZ), ("enc.logvar.W", 36 * F2, DZ), ("enc.logvar.b", 1, DZ),
          ("dec.0.W", DZ, 1568), ("dec.0.b", 1, 1568), ("dec.convt0.W", 32, K * K * G1), ("dec.convt0.b", 1, G1),
          ("dec.convt1.W", G1, K * K * G2), ("dec.convt1.b", 1, G2), ("dec.logits.W", G2, K * K * 1), ("dec.logits.b", 1, 1)]

def conv_w(w, cin, cout): return w.reshape(K, K, cin, cout).permute(3, 2, 0, 1)    # -> [Cout, Cin, K, K]
def convt_w(w, cin, cout): return w.reshape(cin, K, K, cout).permute(0, 3, 1, 2)   # -> [Cin, Cout, K, K]
def nchw(t, h, w, c): return t.reshape(-1, h, w, c).permute(0, 3, 1, 2)
def flat(t): return t.permute(0, 2, 3, 1).reshape(t.shape[0], -1)                  # NHWC flatten

def bound(P, x, eps, est):
    M, L = x.shape[0], eps.shape[0]
    h = F.relu(F.conv2d(nchw(x, 28, 28, 1), conv_w(P["enc.conv0.W"], 1, F1), P["enc.conv0.b"].reshape(-1), stride=2))
    h = F.relu(F.conv2d(h, conv_w(P["enc.conv1.W"], F1, F2), P["enc.conv1.b"].reshape(-1), stride=2))
    h = flat(h)
    mu = h @ P["enc.mu.W"] + P["enc.mu.b"]; lv = h @ P["enc.logvar.W"] + P["enc.logvar.b"]
    z = (mu.unsqueeze(0) + torch.exp(lv / 2).unsqueeze(0) * eps).reshape(L * M, DZ)    # rows l*M + m
    d = F.relu(z @ P["dec.0.W"] + P["dec.0.b"])
    d = F.relu(F.conv_transpose2d(nchw(d, 7, 7, 32), convt_w(P["dec.convt0.W"], 32, G1), P["dec.convt0.b"].reshape(-1), stride=2, padding=1, output_padding=1))
    d = F.relu(F.conv_transpose2d(d, convt_w(P["dec.convt1.W"], G1, G2), P["dec.convt1.b"].reshape(-1), stride=2, padding=1, output_padding=1))
    logits = flat(F.conv_transpose2d(d, convt_w(P["dec.logits.W"], G2, 1), P["dec.logits.b"].reshape(-1), stride=1, padding=1))
    xr = x.repeat(L, 1)
    logpx = torch.distributions.Bernoulli(logits=logits).log_prob(xr).sum(-1).reshape(L, M)
    if est == "B":
        q = torch.distributions.Normal(mu, torch.exp(lv / 2)); p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
        elbo = logpx.mean(0) - torch.distributions.kl_divergence(q, p).sum(-1)
    else:
        zz = z.reshape(L, M, DZ)
        logpz = torch.distributions.Normal(0.0, 1.0).log_prob(zz).sum(-1)
        logqz = torch.distributions.Normal(mu.unsqueeze(0), torch.exp(lv / 2).unsqueeze(0)).log_prob(zz).sum(-1)
        elbo = (logpx + logpz - logqz).mean(0)
    return elbo.mean(), elbo, logits

def make(name, seed, est, M, L):
    torch.manual_seed(seed)
    P = {}
    for n, r, c in LAYOUT:
        std = 0.05 if n.endswith(".b") else math.sqrt(2.0 / r)   # He-style so ReLU activations neither die nor explode
        P[n] = (std * torch.randn(r, c, dtype=dt)).requires_grad_()
    x = (torch.rand(M, 784, dtype=dt) < 0.3).to(dt)
    eps = torch.randn(L, M, DZ, dtype=dt)
    J, elbo, logits = bound(P, x, eps, est)
    J.backward()
    # float64 central differences (torch.autograd.gradcheck) on every tensor but the 4704-entry dense one
    small = [n for n, _, _ in LAYOUT if n != "dec.0.W"]
    def f(*ts):
        Q = dict(P); Q.update(dict(zip(small, ts)))
        return bound(Q, x, eps, est)[0]
    assert torch.autograd.gradcheck(f, [P[n].detach().clone().requires_grad_() for n in small], eps=1e-6, atol=1e-6, rtol=1e-5)
    out = {
        "provenance": "scripts/make_convvae_fixture.py, torch %s float64 autograd, torch.manual_seed(%d); gradcheck passed" % (torch.__version__, seed),
        "spec": {"EncoderHidden": [F1, F2], "DecoderHidden": [G1, G2], "Dz": DZ, "M": M, "L": L, "Estimator": est, "Activation": "relu"},
        "J": J.item(), "elbo": elbo.tolist(),
        "params": [{"name": n, "values": P[n].detach().reshape(-1).tolist()} for n, _, _ in LAYOUT],
        "grads": [{"name": n, "values": P[n].grad.reshape(-1).tolist()} for n, _, _ in LAYOUT],
        "x": x.reshape(-1).tolist(), "eps": eps.reshape(-1).tolist(), "logits": logits.detach().reshape(-1).tolist(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Vae.Tests", "fixtures", "conv", name + ".json")
    with open(path + ".tmp", "w") as fh: json.dump(out, fh)
    os.replace(path + ".tmp", path)
    print("wrote", name, "J =", J.item(), file=sys.stderr)

make("convvae_B_L1", 1511, "B", 3, 1)
make("convvae_A_L2", 1512, "A", 2, 2)
