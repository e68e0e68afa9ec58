#!/usr/bin/env python3
# Golden values for tests/Vae.Tests/Data/RealDataTests.cs, computed with numpy/scipy straight from the files.
# Run once with Debian's own python3 (apt python3-numpy python3-scipy): VAE_DATA=../shared/data python3 scripts/data_golden.py
# Orientation-sensitive statistics: the index moment m = sum_i x[i] * i over the upright row-major image.
import gzip, os, numpy as np, scipy.io

root = os.environ["VAE_DATA"]
def p(*a): return os.path.join(root, *a)
def moment(img): return float((img.reshape(-1).astype(np.float64) * np.arange(img.size)).sum())

X = np.frombuffer(gzip.open(p("mnist", "train-images-idx3-ubyte.gz")).read(), np.uint8, offset=16).reshape(-1, 28, 28)
print("mnist train[0] label", np.frombuffer(gzip.open(p("mnist", "train-labels-idx1-ubyte.gz")).read(), np.uint8, offset=8)[0],
      "sum", int(X[0].sum()), "moment", moment(X[0]), "px[14,14]", X[0, 14, 14], "mean", X.mean() / 255)

ff = scipy.io.loadmat(p("frey_face", "frey_rawface.mat"))["ff"]
F = ff.T.reshape(-1, 28, 20)
print("frey", ff.shape, ff.dtype, "min", ff.min(), "max", ff.max())
print("frey[0] moment", moment(F[0]), "row0", F[0, 0].tolist(), "col0", F[0, :, 0].tolist())
print("frey[1964] moment", moment(F[1964]), "px[27,19]", F[1964, 27, 19])
print("frey row means (all images) top3", F[:, :3].mean(), "bottom3", F[:, -3:].mean(), "left3", F[:, :, :3].mean(), "right3", F[:, :, -3:].mean())

for size in (28, 16):
    m = scipy.io.loadmat(p("caltech101_silhouettes", f"caltech101_silhouettes_{size}_split1.mat"))
    x = 1 - m["train_data"].reshape(-1, size, size).transpose(0, 2, 1)
    print(f"caltech{size} train", m["train_data"].shape, "val", m["val_data"].shape, "test", m["test_data"].shape)
    print(f"caltech{size} train[0] label", m["train_labels"][0, 0], "sum", int(x[0].sum()), "moment", moment(x[0]))
    print(f"caltech{size} test[5] moment", moment(1 - m["test_data"][5].reshape(size, size, order="F")), "label", m["test_labels"][5, 0])
    print(f"caltech{size} object fraction train", x.mean(), "labels min/max", m["train_labels"].min(), m["train_labels"].max())
    print(f"caltech{size} row0 of train[0]", x[0, 0].tolist())

for s in ("train", "valid", "test"):
    b = np.frombuffer(gzip.open(p("binarized_mnist", f"binarized_mnist_{s}.amat.gz")).read(), np.uint8)[0::2] - 48
    b = b.reshape(-1, 784)
    print("binarized", s, b.shape, "ones", int(b.sum()), "img0 moment", moment(b[0]))
