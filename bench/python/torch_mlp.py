"""The PyTorch CPU peer: torch.nn + torch.optim.SGD in float64, as a PyTorch user writes it, with the
threads set to the benchmark's count (torch.set_num_threads; OpenBLAS, which Debian's torch calls for
float64 products, takes OPENBLAS_NUM_THREADS from the orchestrator).

Same algorithm as the numpy baseline: MSELoss (mean), minibatch SGD with a reshuffle every epoch, every
batch trained, the loss over the whole training set every log_every epochs and after the last. Weights
start from torch.nn.Linear's own initialisation (training speed does not depend on it).

Run by bench/python/worker.py; `python3 bench/python/torch_mlp.py` trains workload A once on its own.
"""
import time

import torch

ACTIVATIONS = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}


def setup(threads):
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float64)
    return {"library": f"torch {torch.__version__}", "threads": torch.get_num_threads()}


def as_input(x):
    return torch.from_numpy(x.copy())


class MLP:
    def __init__(self, dims, activations, seed):
        torch.manual_seed(seed)
        layers = []
        for i, name in enumerate(activations):
            layers += [torch.nn.Linear(dims[i], dims[i + 1]), ACTIVATIONS[name]()]
        self.model = torch.nn.Sequential(*layers).double()
        self.generator = torch.Generator().manual_seed(seed)

    def predictor(self):
        model = self.model

        def forward(x):
            with torch.inference_mode():
                return model(x)

        return forward

    def fit(self, x, y, epochs, batch_size, learning_rate, log_every):
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        rows = x.shape[0]
        optimizer = torch.optim.SGD(self.model.parameters(), lr=learning_rate)
        mse = torch.nn.MSELoss()
        losses = []
        for epoch in range(1, epochs + 1):
            order = torch.randperm(rows, generator=self.generator)
            for start in range(0, rows, batch_size):
                batch = order[start : start + batch_size]
                optimizer.zero_grad()
                loss = mse(self.model(x[batch]), y[batch])
                loss.backward()
                optimizer.step()
            if epoch % log_every == 0 or epoch == epochs:
                with torch.no_grad():
                    losses.append(mse(self.model(x), y).item())
        return losses


if __name__ == "__main__":
    import gzip
    import os

    import numpy as np

    setup(int(os.environ.get("OMP_NUM_THREADS", "1")))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "data", "digits.csv.gz")
    table = np.loadtxt(gzip.open(path, "rt"), delimiter=",")
    x, y = table[:, :64] / 16.0, np.eye(10)[table[:, 64].astype(int)]
    net = MLP([64, 15, 10], ["relu", "sigmoid"], 1)
    start = time.perf_counter()
    losses = net.fit(x, y, 100, 15, 0.1, 10)
    print(f"workload A (torch): fit {time.perf_counter() - start:.3f} s, losses {[round(l, 5) for l in losses]}")
