"""The benchmark worker for the Python implementations (forked by bench/run.ts):

    /usr/bin/python3 bench/python/worker.py numpy|torch <threads>

It speaks the Node workers' protocol (bench/workers/kit.js) as JSON lines: one line on stdout once ready
({"id": 0, "ok": true, "result": info}, or ok false with the import error), then one answer line per
request line read from stdin. Anything the libraries print goes to stderr, never into the protocol.
"""
import ctypes
import importlib
import json
import os
import platform
import sys
import time
import traceback

PROTOCOL = sys.stdout
sys.stdout = sys.stderr


def send(message):
    PROTOCOL.write(json.dumps(message) + "\n")
    PROTOCOL.flush()


def loaded_libraries(words):
    """Shared libraries mapped into this process whose file name contains one of words."""
    found = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and any(word in os.path.basename(parts[5]).lower() for word in words):
                found.add(parts[5])
    return sorted(found)


def openblas_facts():
    """What the OpenBLAS that numpy or torch loaded reports about itself (None when none is loaded)."""
    for path in loaded_libraries(["openblas"]):
        try:
            lib = ctypes.CDLL(path, mode=os.RTLD_NOLOAD)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {
                "openblasLibrary": os.path.realpath(path),
                "core": lib.openblas_get_corename().decode(),
                "blas": lib.openblas_get_config().decode(),
                "openblasThreads": lib.openblas_get_num_threads(),
            }
        except (OSError, AttributeError):
            continue
    return None


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def time_calls(fn, batches, batch_seconds):
    """Microseconds per call: as bench/workers/kit.js timeCalls."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start >= batch_seconds or calls >= 1 << 24:
            break
        calls *= 2
    per_call = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - start) / calls * 1e6)
    return {"microseconds": median(per_call), "calls": calls}


class Data:
    """The raw float64 files of bench/data.ts, read once."""

    def __init__(self, np):
        self.np = np
        self.cache = {}

    def load(self, files, rows):
        key = (files["x"], files["y"])
        if key not in self.cache:
            np = self.np
            x = np.fromfile(files["x"], dtype="<f8").reshape(files["rows"], files["inputs"])
            y = np.fromfile(files["y"], dtype="<f8").reshape(files["rows"], files["outputs"])
            self.cache[key] = (x, y)
        x, y = self.cache[key]
        return x[:rows], y[:rows]


def main():
    name, threads = sys.argv[1], int(sys.argv[2])
    try:
        import numpy as np

        impl = importlib.import_module(f"{name}_mlp")
        info = impl.setup(threads)
    except Exception as error:  # the library is not installed: the orchestrator skips it with this note
        send({"id": 0, "ok": False, "error": f"{type(error).__name__}: {error}"})
        return
    info.update({"python": platform.python_version(), "numpy": np.__version__})
    info.update(openblas_facts() or {"core": None})
    info["blasLibraries"] = loaded_libraries(["blas", "lapack", "mkl", "dnnl", "gomp"])
    data = Data(np)
    networks = {}

    def train(message):
        spec = message["spec"]
        x, y = data.load(message["data"], spec["rows"])
        net = impl.MLP(spec["dims"], spec["activations"], spec["seed"])
        start = time.perf_counter()
        losses = net.fit(x, y, spec["epochs"], spec["batchSize"], spec["learningRate"], spec["logEvery"])
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "loss": losses[-1], "samples": spec["rows"] * spec["epochs"]}

    def predict(message):
        spec = message["spec"]
        key = tuple(spec["dims"])
        if key not in networks:
            networks[key] = impl.MLP(spec["dims"], spec["activations"], spec["seed"])
        x, _ = data.load(message["data"], message["rows"])
        x = impl.as_input(x)
        forward = networks[key].predictor()
        return time_calls(lambda: forward(x), message["batches"], message["batchSeconds"])

    handlers = {"train": train, "predict": predict}
    send({"id": 0, "ok": True, "result": info})
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        try:
            send({"id": message["id"], "ok": True, "result": handlers[message["op"]](message)})
        except Exception:
            send({"id": message["id"], "ok": False, "error": traceback.format_exc()})


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
