#!/usr/bin/env python3
# PyTorch float64 autograd reference for the AEVB engine: writes tests/Vae.Tests/fixtures/<case>.json.
# Owns only the fixture files and their README; it must not touch engine code or any other test.
# Run with Debian's python3 (/usr/bin/python3) and python3-torch:  /usr/bin/python3 scripts/make_fixtures.py
# The model follows the engine contract copied into tests/Vae.Tests/fixtures/README.md (W stored [in, out]).
import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
LOG2PI = math.log(2.0 * math.pi)
INIT_STD = 0.3          # large enough that tanh/softplus are far from linear (the paper's 0.01 is not)
RELU_MARGIN = 1e-3      # every relu preactivation must be at least this far from the kink
OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "Vae.Tests" / "fixtures"
SCRIPT = "scripts/make_fixtures.py"
ADAM = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "steps": 10}

CASES = [
    dict(case="bern_B_L1", seed=1001, D=13, Dz=3, EncoderHidden=[7], DecoderHidden=[7], Likelihood="Bernoulli",
         Activation="tanh", SigmoidMean=False, Estimator="B", M=5, L=1, x="binary", adam=True),
    dict(case="bern_A_L2", seed=1002, D=13, Dz=3, EncoderHidden=[7], DecoderHidden=[7], Likelihood="Bernoulli",
         Activation="tanh", SigmoidMean=False, Estimator="A", M=5, L=2, x="binary", adam=False),
    dict(case="bern_B_L3_2layer", seed=1003, D=13, Dz=3, EncoderHidden=[7, 6], DecoderHidden=[6, 8],
         Likelihood="Bernoulli", Activation="softplus", SigmoidMean=False, Estimator="B", M=5, L=3, x="grey",
         adam=False),
    dict(case="gauss_B_L2_sigmoid", seed=1004, D=11, Dz=4, EncoderHidden=[9], DecoderHidden=[9],
         Likelihood="Gaussian", Activation="tanh", SigmoidMean=True, Estimator="B", M=6, L=2, x="unit", adam=True),
    dict(case="gauss_A_L1_2layer_relu", seed=1005, D=11, Dz=2, EncoderHidden=[9, 5], DecoderHidden=[5, 9],
         Likelihood="Gaussian", Activation="relu", SigmoidMean=False, Estimator="A", M=4, L=1, x="unit",
         adam=False),
]


def param_table(spec):
    """(name, shape) in the contract's flat-buffer order."""
    t, prev = [], spec["D"]
    for i, h in enumerate(spec["EncoderHidden"]):
        t += [(f"enc.{i}.W", [prev, h]), (f"enc.{i}.b", [h])]
        prev = h
    t += [("enc.mu.W", [prev, spec["Dz"]]), ("enc.mu.b", [spec["Dz"]]),
          ("enc.logvar.W", [prev, spec["Dz"]]), ("enc.logvar.b", [spec["Dz"]])]
    prev = spec["Dz"]
    for i, h in enumerate(spec["DecoderHidden"]):
        t += [(f"dec.{i}.W", [prev, h]), (f"dec.{i}.b", [h])]
        prev = h
    heads = ["logits"] if spec["Likelihood"] == "Bernoulli" else ["mean", "logvar"]
    for hd in heads:
        t += [(f"dec.{hd}.W", [prev, spec["D"]]), (f"dec.{hd}.b", [spec["D"]])]
    return t


def act(spec, a):
    return {"tanh": torch.tanh, "relu": torch.relu, "softplus": F.softplus}[spec["Activation"]](a)


def mlp(spec, p, prefix, n_layers, h, inter, preacts):
    for i in range(n_layers):
        a = h @ p[f"{prefix}.{i}.W"] + p[f"{prefix}.{i}.b"]
        preacts.append(a)
        h = act(spec, a)
        inter[f"{prefix}.{i}.out"] = h
    return h


def forward(spec, p, x, eps):
    """x [M, D], eps [L, M, Dz] -> dict of intermediates, terms and J (all float64, differentiable in p)."""
    M, L, Dz = spec["M"], spec["L"], spec["Dz"]
    inter, pre = {}, []
    h = mlp(spec, p, "enc", len(spec["EncoderHidden"]), x, inter, pre)
    mu = h @ p["enc.mu.W"] + p["enc.mu.b"]                      # [M, Dz]
    logvar = h @ p["enc.logvar.W"] + p["enc.logvar.b"]          # [M, Dz]
    sigma = torch.exp(0.5 * logvar)
    e = eps.reshape(L * M, Dz)                                  # sample-major: row l*M+m
    mu_r, lv_r, sig_r = mu.repeat(L, 1), logvar.repeat(L, 1), sigma.repeat(L, 1)
    z = mu_r + sig_r * e                                        # [L*M, Dz]
    hd = mlp(spec, p, "dec", len(spec["DecoderHidden"]), z, inter, pre)
    x_r = x.repeat(L, 1)                                        # [L*M, D], row l*M+m pairs with x[m]
    if spec["Likelihood"] == "Bernoulli":
        a = hd @ p["dec.logits.W"] + p["dec.logits.b"]
        inter["head"] = a
        logpx = (x_r * a - F.softplus(a)).sum(-1)
        if spec["x"] == "binary":   # cross-check against torch.distributions where x is a valid Bernoulli sample
            ref = torch.distributions.Bernoulli(logits=a).log_prob(x_r).sum(-1)
            assert torch.allclose(logpx, ref, rtol=0, atol=1e-12), "Bernoulli log-lik mismatch"
    else:
        am = hd @ p["dec.mean.W"] + p["dec.mean.b"]
        mean = torch.sigmoid(am) if spec["SigmoidMean"] else am
        s = hd @ p["dec.logvar.W"] + p["dec.logvar.b"]
        inter["head.mean"], inter["head.logvar"] = mean, s
        logpx = (-0.5 * (LOG2PI + s + (x_r - mean) ** 2 * torch.exp(-s))).sum(-1)
        ref = torch.distributions.Normal(mean, torch.exp(0.5 * s)).log_prob(x_r).sum(-1)
        assert torch.allclose(logpx, ref, rtol=0, atol=1e-10), "Gaussian log-lik mismatch"
    logpz = (-0.5 * (LOG2PI + z ** 2)).sum(-1)                 # [L*M]
    logqz = (-0.5 * (LOG2PI + lv_r + e ** 2)).sum(-1)           # [L*M]
    ref_q = torch.distributions.Normal(mu_r, sig_r).log_prob(z).sum(-1)
    assert torch.allclose(logqz, ref_q, rtol=0, atol=1e-10), "log q(z|x) eps formula != Normal.log_prob"
    kl = -0.5 * (1 + logvar - mu ** 2 - torch.exp(logvar)).sum(-1)   # [M]
    ref_kl = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                               torch.distributions.Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(kl, ref_kl, rtol=0, atol=1e-10), "closed-form KL mismatch"
    logw = (logpx + logpz - logqz).reshape(L, M)
    terms = {"LogPxz": logpx.reshape(L, M).mean(0), "Kl": kl, "LogPz": logpz.reshape(L, M).mean(0),
             "LogQz": logqz.reshape(L, M).mean(0)}
    terms["Elbo"] = logw.mean(0) if spec["Estimator"] == "A" else -terms["Kl"] + terms["LogPxz"]
    J = terms["Elbo"].mean()
    inter.update(mu=mu, logvar=logvar, z=z, logw=logw)
    return inter, terms, J, pre


def draw_case(spec, seed):
    torch.manual_seed(seed)
    # Draw order (documented in README): parameters in contract order, then x, then eps.
    params = {n: (torch.randn(*s) * INIT_STD).requires_grad_(True) for n, s in param_table(spec)}
    M, D = spec["M"], spec["D"]
    if spec["x"] == "binary":
        x = (torch.rand(M, D) < 0.5).to(torch.float64)
    elif spec["x"] == "grey":
        x = 0.05 + 0.9 * torch.rand(M, D)
    else:
        x = torch.rand(M, D)
    eps = torch.randn(spec["L"], M, spec["Dz"])
    return params, x, eps


def relu_safe(spec, params, x, eps):
    if spec["Activation"] != "relu":
        return True
    with torch.no_grad():
        _, _, _, pre = forward(spec, params, x, eps)
    return min(float(a.abs().min()) for a in pre) > RELU_MARGIN


def arr(t):
    t = t.detach()
    assert torch.isfinite(t).all()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def gradcheck_all(spec, params, x, eps):
    names = [n for n, _ in param_table(spec)]

    def j_of(*ts):
        return forward(spec, dict(zip(names, ts)), x, eps)[2]

    ins = tuple(params[n].detach().clone().requires_grad_(True) for n in names)
    assert torch.autograd.gradcheck(j_of, ins, eps=1e-6, atol=1e-7, rtol=1e-5), f"gradcheck failed: {spec}"


def adam_trajectory(spec, params, x, eps):
    names = [n for n, _ in param_table(spec)]
    ps = [params[n].detach().clone().requires_grad_(True) for n in names]
    opt = torch.optim.Adam(ps, lr=ADAM["lr"], betas=(ADAM["beta1"], ADAM["beta2"]), eps=ADAM["eps"],
                           weight_decay=0.0)
    js = []
    for _ in range(ADAM["steps"]):
        opt.zero_grad()
        J = forward(spec, dict(zip(names, ps)), x, eps)[2]
        js.append(float(J))
        (-J).backward()          # Adam minimises -J, i.e. ascends the bound
        opt.step()
    return dict(ADAM, J_before_step=js, params_after={n: arr(p) for n, p in zip(names, ps)})


def make_case(c):
    spec = {k: c[k] for k in ("D", "Dz", "EncoderHidden", "DecoderHidden", "Likelihood", "Activation",
                              "SigmoidMean", "Estimator", "M", "L")}
    spec["x"] = c["x"]
    seed = c["seed"]
    params, x, eps = draw_case(spec, seed)
    assert relu_safe(spec, params, x, eps), f"{c['case']}: relu preactivation within {RELU_MARGIN} of 0; pick a seed"
    inter, terms, J, _ = forward(spec, params, x, eps)
    names = [n for n, _ in param_table(spec)]
    grads = torch.autograd.grad(J, [params[n] for n in names])
    gradcheck_all(spec, params, x, eps)
    tensors = {"x": arr(x), "eps": arr(eps)}
    for k in [k for k in inter if k.startswith(("enc.", "dec."))]:
        tensors[k] = arr(inter[k])
    for k in ("mu", "logvar", "z"):
        tensors[k] = arr(inter[k])
    for k in ("head", "head.mean", "head.logvar"):
        if k in inter:
            tensors[k] = arr(inter[k])
    for k, v in terms.items():
        tensors[f"terms.{k}"] = arr(v)
    tensors["logw"] = arr(inter["logw"])
    del spec["x"]
    return {
        "case": c["case"],
        "provenance": {"script": SCRIPT, "seed": seed, "torch": torch.__version__, "dtype": "float64",
                       "x": c["x"], "init_std": INIT_STD},
        "spec": spec,
        "tensors": tensors,
        "params": {n: arr(params[n]) for n in names},
        "grads": {n: arr(g) for n, g in zip(names, grads)},
        "J": float(J),
        "adam": adam_trajectory(dict(spec, x=c["x"]), params, x, eps) if c["adam"] else None,
    }


def dump(obj, ind=0):
    """JSON with each flat data array on one line (readable diffs, small files); floats use repr (round-trip)."""
    pad, pad1 = "  " * ind, "  " * (ind + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {dump(v, ind + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    return json.dumps(obj, allow_nan=False)


def gradcheck_small():
    """Extra independent check on tiny models of both likelihoods and estimators (eps=1e-6 central differences)."""
    for i, (lik, est, a, sm) in enumerate([("Bernoulli", "A", "tanh", False), ("Gaussian", "B", "softplus", True),
                                          ("Gaussian", "A", "tanh", False), ("Bernoulli", "B", "softplus", False)]):
        spec = dict(D=4, Dz=2, EncoderHidden=[3], DecoderHidden=[3, 2], Likelihood=lik, Activation=a,
                    SigmoidMean=sm, Estimator=est, M=2, L=3, x="binary" if lik == "Bernoulli" else "unit")
        params, x, eps = draw_case(spec, 2000 + i)
        gradcheck_all(spec, params, x, eps)


def main():
    gradcheck_small()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for c in CASES:
        fx = make_case(c)
        path = OUT_DIR / f"{c['case']}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(dump(fx) + "\n")
        tmp.replace(path)
        adam = fx["adam"]
        extra = f", Adam J {adam['J_before_step'][0]:.6f} -> {adam['J_before_step'][-1]:.6f}" if adam else ""
        print(f"{c['case']}: seed {c['seed']}, J = {fx['J']:.10f}{extra}, {path.stat().st_size} bytes")
    print(f"torch {torch.__version__}; gradcheck passed on every case and 4 small models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
