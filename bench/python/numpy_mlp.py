"""The numpy baseline: the numpy reference program's algorithm (README, "What differs from the seed": a
numpy MLP trained with minibatch SGD), written the way that program writes it, with blasnet's conventions
so both do the same arithmetic:

- z = a W + b with W stored inputs x outputs; weights N(0, 1) / sqrt(fan_in), biases 0;
- mean squared error over every element (PyTorch's MSELoss), gradients of that mean;
- every epoch reshuffles the rows and trains every batch, the shorter last one too;
- the loss over the whole training set every log_every epochs and after the last.

Run by bench/python/worker.py; `python3 bench/python/numpy_mlp.py` trains workload A once on its own.
"""
import time

import numpy as np


def relu(z):
    return np.maximum(z, 0.0)


def relu_derivative(z, a):
    return z > 0


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_derivative(z, a):
    return a * (1.0 - a)


ACTIVATIONS = {"relu": (relu, relu_derivative), "sigmoid": (sigmoid, sigmoid_derivative)}


def setup(threads):
    # numpy has no thread setting of its own: its products run in the BLAS it links, whose threads come
    # from OPENBLAS_NUM_THREADS (set by the orchestrator).
    return {"library": f"numpy {np.__version__}", "threads": threads}


def as_input(x):
    return np.ascontiguousarray(x)


class MLP:
    def __init__(self, dims, activations, seed):
        self.rng = np.random.default_rng(seed)
        self.weights = [self.rng.standard_normal((dims[i], dims[i + 1])) / np.sqrt(dims[i]) for i in range(len(dims) - 1)]
        self.biases = [np.zeros(dims[i + 1]) for i in range(len(dims) - 1)]
        self.activations = [ACTIVATIONS[name] for name in activations]

    def forward(self, x):
        zs, outputs = [], [x]
        a = x
        for w, b, (f, _) in zip(self.weights, self.biases, self.activations):
            z = a @ w + b
            a = f(z)
            zs.append(z)
            outputs.append(a)
        return zs, outputs

    def predictor(self):
        def forward(x):
            a = x
            for w, b, (f, _) in zip(self.weights, self.biases, self.activations):
                a = f(a @ w + b)
            return a

        return forward

    def loss(self, x, y):
        return float(np.mean((self.predictor()(x) - y) ** 2))

    def step(self, x, y, learning_rate):
        zs, outputs = self.forward(x)
        out = outputs[-1]
        delta = (2.0 / out.size) * (out - y) * self.activations[-1][1](zs[-1], out)
        for i in reversed(range(len(self.weights))):
            dw = outputs[i].T @ delta
            db = delta.sum(axis=0)
            if i > 0:
                delta_below = (delta @ self.weights[i].T) * self.activations[i - 1][1](zs[i - 1], outputs[i])
            self.weights[i] -= learning_rate * dw
            self.biases[i] -= learning_rate * db
            if i > 0:
                delta = delta_below

    def fit(self, x, y, epochs, batch_size, learning_rate, log_every):
        rows = x.shape[0]
        losses = []
        for epoch in range(1, epochs + 1):
            order = self.rng.permutation(rows)
            xs, ys = x[order], y[order]
            for start in range(0, rows, batch_size):
                self.step(xs[start : start + batch_size], ys[start : start + batch_size], learning_rate)
            if epoch % log_every == 0 or epoch == epochs:
                losses.append(self.loss(x, y))
        return losses


if __name__ == "__main__":
    import gzip
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "data", "digits.csv.gz")
    table = np.loadtxt(gzip.open(path, "rt"), delimiter=",")
    x, y = table[:, :64] / 16.0, np.eye(10)[table[:, 64].astype(int)]
    net = MLP([64, 15, 10], ["relu", "sigmoid"], 1)
    start = time.perf_counter()
    losses = net.fit(x, y, 100, 15, 0.1, 10)
    print(f"workload A (numpy): fit {time.perf_counter() - start:.3f} s, losses {[round(l, 5) for l in losses]}")
