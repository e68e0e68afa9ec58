#!/usr/bin/env python3
# Writes tests/Vae.Tests/fixtures/conv/convnet.json: a small conv net (Conv2d -> BatchNorm(train) -> LeakyReLU(0.2) ->
# ConvTranspose2d -> tanh) in PyTorch float64 with autograd, for the C# layers' independent check. Run once with Debian's
# python3-torch: /usr/bin/python3 scripts/make_conv_fixture.py  (deterministic: torch.manual_seed(1501)).
# Tensors are stored in the engine's layout: images NHWC, Conv2d W [K*K*Cin, Cout], ConvTranspose2d W [Cin, K*K*Cout].
import json, os, sys
import torch
import torch.nn.functional as F

torch.manual_seed(1501)
dt = torch.float64
M, H, W, CIN, C1, COUT, K = 3, 7, 6, 2, 4, 2, 3
x_nchw = torch.randn(M, CIN, H, W, dtype=dt, requires_grad=True)
w1 = (0.5 * torch.randn(C1, CIN, K, K, dtype=dt)).requires_grad_()   # torch Conv2d weight [Cout, Cin, K, K]
b1 = (0.5 * torch.randn(C1, dtype=dt)).requires_grad_()
gamma = (1 + 0.3 * torch.randn(C1, dtype=dt)).requires_grad_()
beta = (0.3 * torch.randn(C1, dtype=dt)).requires_grad_()
w2 = (0.5 * torch.randn(C1, COUT, K, K, dtype=dt)).requires_grad_()  # torch ConvTranspose2d weight [Cin, Cout, K, K]
b2 = (0.5 * torch.randn(COUT, dtype=dt)).requires_grad_()
running_mean = torch.zeros(C1, dtype=dt); running_var = torch.ones(C1, dtype=dt)

h = F.conv2d(x_nchw, w1, b1, stride=2, padding=1)
h = F.batch_norm(h, running_mean, running_var, gamma, beta, training=True, momentum=0.1, eps=1e-5)
h = F.leaky_relu(h, 0.2)
y = torch.tanh(F.conv_transpose2d(h, w2, b2, stride=2, padding=1, output_padding=1))
r = torch.randn_like(y)
J = (r * y).sum()
J.backward()
pre = h.detach()
assert pre.abs().min().item() > 1e-4, "a leaky-relu input sits on the kink"

nhwc = lambda t: t.detach().permute(0, 2, 3, 1).contiguous().reshape(-1).tolist()
conv_w = lambda t: t.detach().permute(2, 3, 1, 0).reshape(-1).tolist()       # [K, K, Cin, Cout]
convt_w = lambda t: t.detach().permute(0, 2, 3, 1).reshape(-1).tolist()      # [Cin, K, K, Cout]
out = {
    "provenance": "scripts/make_conv_fixture.py, torch %s float64 autograd, torch.manual_seed(1501)" % torch.__version__,
    "sizes": {"M": M, "H": H, "W": W, "Cin": CIN, "C1": C1, "Cout": COUT, "K": K,
              "conv": "stride 2 padding 1", "convT": "stride 2 padding 1 output_padding 1", "bn": "train momentum 0.1 eps 1e-5",
              "leaky": 0.2, "loss": "J = sum(r * tanh(convT(leaky(bn(conv(x))))))"},
    "J": J.item(),
    "tensors": {
        "x": nhwc(x_nchw), "r": nhwc(r), "y": nhwc(y),
        "c.W": conv_w(w1), "c.b": b1.detach().tolist(), "bn.gamma": gamma.detach().tolist(), "bn.beta": beta.detach().tolist(),
        "t.W": convt_w(w2), "t.b": b2.detach().tolist(),
        "grad.c.W": conv_w(w1.grad), "grad.c.b": b1.grad.tolist(), "grad.bn.gamma": gamma.grad.tolist(),
        "grad.bn.beta": beta.grad.tolist(), "grad.t.W": convt_w(w2.grad), "grad.t.b": b2.grad.tolist(), "grad.x": nhwc(x_nchw.grad),
        "bn.running_mean": running_mean.tolist(), "bn.running_var": running_var.tolist(),
    },
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "Vae.Tests", "fixtures", "conv", "convnet.json")
tmp = path + ".tmp"
with open(tmp, "w") as f: json.dump(out, f)
os.replace(tmp, path)
print("wrote", os.path.normpath(path), "J =", J.item(), file=sys.stderr)
