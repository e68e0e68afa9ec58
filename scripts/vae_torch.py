#!/usr/bin/python3
"""Load a Vae.Research model exported with `vae export --format safetensors` into PyTorch and evaluate its ELBO.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/vae_torch.py MODEL.safetensors --x X.npy [--eps EPS.npy] --out DIR

The safetensors file holds PyTorch nn.Linear tensors (encoder.0.weight [out, in], encoder.0.bias [out], encoder.mu.*,
encoder.logvar.*, decoder.0.*, then decoder.logits.* (Bernoulli) or decoder.mean.* and decoder.logvar.* (Gaussian)) and
the model in its metadata (d, dz, encoder_hidden, decoder_hidden, likelihood, activation, sigmoid_mean). It is read here
by hand (8-byte length, JSON header, raw little-endian float32), so the `safetensors` package is not needed; with it,
`safetensors.torch.load_file(path)` returns the same dict and `model.load_state_dict(...)` accepts it.

Evaluates, in float64, the single-sample estimator-B bound of each row of X (paper eq. 7, closed-form KL, Appendix B):
Elbo = -KL(q(z|x) || N(0, I)) + log p(x | z),  z = mu + exp(logvar / 2) * eps, with eps from EPS.npy (else N(0, I) drawn
from torch.manual_seed(--seed)). Writes DIR/elbo.json (per-row Elbo, LogPxz, Kl, and provenance) and, if eps was drawn,
DIR/eps.npy.
"""
import argparse, json, math, struct, sys
import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = blob[8 + n:]
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            sys.exit(f"{path}: tensor {name} has dtype {t['dtype']}, expected F32")
        b, e = t["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype="<f4").reshape(t["shape"])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


ACT = {"Tanh": nn.Tanh, "Relu": nn.ReLU, "Softplus": nn.Softplus, "Identity": nn.Identity}


class Vae(nn.Module):
    """The Appendix C model with the exported names: encoder.{i}, encoder.mu, encoder.logvar, decoder.{i}, decoder heads."""

    def __init__(self, meta):
        super().__init__()
        d, dz = int(meta["d"]), int(meta["dz"])
        enc = [int(s) for s in meta["encoder_hidden"].split(",") if s]
        dec = [int(s) for s in meta["decoder_hidden"].split(",") if s]
        self.likelihood, self.sigmoid_mean = meta["likelihood"], meta["sigmoid_mean"] == "true"
        act = ACT[meta["activation"]]
        self.encoder, self.decoder = nn.Module(), nn.Module()
        self.enc_layers = self._stack(self.encoder, d, enc)
        self.encoder.mu = nn.Linear(enc[-1] if enc else d, dz)
        self.encoder.logvar = nn.Linear(enc[-1] if enc else d, dz)
        self.dec_layers = self._stack(self.decoder, dz, dec)
        last = dec[-1] if dec else dz
        if self.likelihood == "Bernoulli":
            self.decoder.logits = nn.Linear(last, d)
        else:
            self.decoder.mean = nn.Linear(last, d)
            self.decoder.logvar = nn.Linear(last, d)
        self.act = act()

    @staticmethod
    def _stack(parent, fan_in, sizes):
        names = []
        for i, h in enumerate(sizes):
            parent.add_module(str(i), nn.Linear(fan_in, h))
            names.append(str(i))
            fan_in = h
        return names

    def _mlp(self, parent, names, h):
        for n in names:
            h = self.act(getattr(parent, n)(h))
        return h

    def elbo(self, x, eps):
        """Per-row (Elbo, log p(x|z), KL), estimator B with the given noise eps [M, Dz]."""
        h = self._mlp(self.encoder, self.enc_layers, x)
        mu, logvar = self.encoder.mu(h), self.encoder.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * eps
        kl = -0.5 * torch.sum(1 + logvar - mu * mu - torch.exp(logvar), dim=1)
        g = self._mlp(self.decoder, self.dec_layers, z)
        if self.likelihood == "Bernoulli":
            a = self.decoder.logits(g)
            logpxz = torch.sum(x * a - nn.functional.softplus(a), dim=1)
        else:
            a, s = self.decoder.mean(g), self.decoder.logvar(g)
            mean = torch.sigmoid(a) if self.sigmoid_mean else a
            logpxz = torch.sum(-0.5 * (math.log(2 * math.pi) + s + (x - mean) ** 2 * torch.exp(-s)), dim=1)
        return logpxz - kl, logpxz, kl


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--x", required=True, help="inputs, float32 .npy [M, D]")
    ap.add_argument("--eps", help="noise, float32 .npy [M, Dz]; default: drawn from --seed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True, help="folder for elbo.json (and eps.npy)")
    a = ap.parse_args()
    tensors, meta = read_safetensors(a.model)
    model = Vae(meta).double()
    model.load_state_dict({k: v.double() for k, v in tensors.items()}, strict=True)
    x = torch.from_numpy(np.load(a.x).astype(np.float64))
    if a.eps:
        eps = torch.from_numpy(np.load(a.eps).astype(np.float64))
    else:
        torch.manual_seed(a.seed)
        eps = torch.randn(x.shape[0], int(meta["dz"]), dtype=torch.float32)
        np.save(f"{a.out}/eps.npy", eps.numpy())
        eps = eps.double()
    with torch.no_grad():
        elbo, logpxz, kl = model.elbo(x, eps)
    res = {"provenance": f"scripts/vae_torch.py {a.model} --x {a.x} --eps {a.eps or 'drawn'} --seed {a.seed}; "
                         f"torch {torch.__version__}, float64, estimator B, one noise draw per row",
           "model_metadata": meta, "Elbo": elbo.tolist(), "LogPxz": logpxz.tolist(), "Kl": kl.tolist(),
           "MeanElbo": float(elbo.mean())}
    with open(f"{a.out}/elbo.json", "w") as f:
        json.dump(res, f, indent=1)
    print(f"{len(res['Elbo'])} rows: mean ELBO {res['MeanElbo']:.6f} nats")


if __name__ == "__main__":
    main()
