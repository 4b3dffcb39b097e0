"""The seed's own numpy code, timed on workload A (issue 20): an optional row of the bench.

The seed is a blog post ("Programming a neural network from scratch") whose Python code carries no licence,
so this repository does not contain it. This runner reads a copy the user points BLASNET_SEED_MARKDOWN at,
takes the code out of the post's fenced blocks at run time, and trains the post's `Network` on A's data with
A's settings through the bench's worker protocol (worker.py). Nothing of the post is written anywhere.

What the runner has to add, because the post's copy lost it or never showed it:
- indentation: the post's blocks come without it. Python's rules put most lines back (a line after one
  ending in ':' goes one level in; `return`/`raise` end their block, and a method block's last `return`
  is the method's own; `class` and `def` start at fixed levels); where a loop ends cannot be told from the
  text otherwise, so three lines carry their level in ANCHORS
  below (the loss report is per epoch, the update after the backward loop, as the post's prose says);
- `Relu.prime`, which the post describes ("zero for any negative value and one for any positive value") but
  does not show;
- the methods, shown one block at a time, are put back into `class Network`; of a class shown twice (the
  Sigmoid, again with its prime), the last is kept.
The assembled program is compiled and its shape checked (ANCHORS' lines where the prose puts them); if the
post differs from the version this runner knows, it stops with a message rather than time something else.

Timing only. The post's code has a bug of its own: `MSE.delta` evaluates `Sigmoid.prime` at the output a
instead of z (and sums the weight gradients of a batch rather than averaging them), which changes what it
learns (its loss is reported as it comes out), not what each step costs. It trains the rows in whole
batches only (1785 of A's 1797 rows, 119 steps an epoch; the bench's baseline and blasnet train 120) and
prints the loss over all rows every 10 epochs (A's logEvery), which this runner collects instead of printing.
"""
import ast
import os
import re

ENV = "BLASNET_SEED_MARKDOWN"

# Lines whose indentation the text cannot give (see the module comment): the level, counting `class Network`
# as 0. Short fragments to recognise the lines, not the post's code.
ANCHORS = {
    "# Update the weights and biases": 2,
    "for k, v in update_params.items():": 2,
    "if (i + 1) % 10 == 0:": 3,
}


def _blocks(text):
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)


def _reindent(block, method):
    """The block's lines with Python indentation restored (four spaces a level)."""
    out = []
    level = 1 if method else 0
    in_docstring = False
    lines = [raw.strip() for raw in block.splitlines() if raw.strip()]
    for index, line in enumerate(lines):
        if in_docstring:
            out.append("    " * level + line)
            in_docstring = '"""' not in line
            continue
        if line.startswith('"""'):
            out.append("    " * level + line)
            in_docstring = line.count('"""') == 1
            continue
        if line.startswith("class "):
            level = 0
        elif line.startswith("@") or line.startswith("def "):
            level = 1
        elif line in ANCHORS:
            level = ANCHORS[line]
        elif method and index == len(lines) - 1 and line.startswith("return "):
            level = 2  # a method block's last line returning: the method's own return, after any loop
        out.append("    " * level + line)
        if line.endswith(":") and not line.startswith("#"):
            level += 1
        elif line == "return" or line.startswith(("return ", "raise ")):
            level -= 1
    return out


def assemble(text):
    """The post's program as one module's source (see the module comment)."""
    classes = {}
    methods = []
    imports = []
    for block in _blocks(text):
        first = block.strip().splitlines()[0].strip() if block.strip() else ""
        if first.startswith("import "):
            lines = _reindent(block, False)
            imports += [line for line in lines if line.startswith("import ")]
            body = [line for line in lines if not line.startswith("import ")]
        elif first.startswith("class "):
            body = _reindent(block, False)
        elif first.startswith("def "):
            methods.append(_reindent(block, True))
            continue
        else:
            continue  # printed output, or the post's example of use
        # A block may hold several classes (the activations): split at each `class`.
        current = None
        for line in body:
            if line.startswith("class "):
                current = line.split()[1].split("(")[0].rstrip(":")
                classes[current] = [line]
            elif current is not None:
                classes[current].append(line)
    missing = [name for name in ("Relu", "Sigmoid", "MSE", "Network") if name not in classes]
    if missing or not methods or "import numpy as np" not in imports:
        raise RuntimeError(f"{ENV}: the post's code lacks {', '.join(missing) or 'its methods or numpy import'}")
    source = ["import numpy as np", ""]
    for name, lines in classes.items():
        source += lines
        if name == "Network":
            for method in methods:
                source += method
        if name == "Relu":
            # Not shown in the post; its prose: zero for any negative value and one for any positive value.
            source += ["    @staticmethod", "    def prime(z):", "        return (z > 0).astype(z.dtype)"]
        source.append("")
    return "\n".join(source) + "\n"


def _check_shape(source):
    """Stops unless the anchored lines sit where the post's prose puts them."""
    tree = ast.parse(source)
    network = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Network")
    functions = {f.name: f for f in network.body if isinstance(f, ast.FunctionDef)}
    for name in ("__init__", "_feed_forward", "predict", "_update_w_b", "_back_prop", "fit"):
        if name not in functions:
            raise RuntimeError(f"{ENV}: the post's Network has no {name} (not the version this runner knows)")
    if not isinstance(functions["_feed_forward"].body[-1], ast.Return):
        raise RuntimeError(f"{ENV}: the post's _feed_forward does not end in its return")
    fit_loops = [s for s in functions["fit"].body if isinstance(s, ast.For)]
    back_prop_loops = [s for s in functions["_back_prop"].body if isinstance(s, ast.For)]
    per_epoch = fit_loops and any(isinstance(s, ast.If) for s in fit_loops[0].body)
    if len(fit_loops) != 1 or not per_epoch or len(back_prop_loops) != 2:
        raise RuntimeError(f"{ENV}: the post's fit or _back_prop is not the version this runner knows")


def load(path):
    """The post's Relu, Sigmoid, MSE and Network, from the copy at `path`."""
    with open(path, encoding="utf-8") as handle:
        source = assemble(handle.read())
    _check_shape(source)
    namespace = {"__name__": "seed_post"}
    exec(compile(source, "<the seed's post>", "exec"), namespace)
    return namespace


_post = {}  # "namespace": the post's module globals, once setup() has loaded them


def setup(threads):
    import numpy as np

    path = os.environ.get(ENV)
    if not path:
        raise RuntimeError(f"{ENV} is not set")
    _post["namespace"] = load(path)
    return {"library": f"the seed's numpy code (numpy {np.__version__})", "threads": threads}


def as_input(x):
    return x


class MLP:
    """The worker's interface (worker.py) around the post's Network."""

    def __init__(self, dims, activations, seed):
        import numpy as np

        post = _post["namespace"]
        classes = {"relu": post["Relu"], "sigmoid": post["Sigmoid"]}
        np.random.seed(seed)  # the post seeds numpy's global generator, as its example does
        self.net = post["Network"](tuple(dims), tuple(classes[name] for name in activations))

    def fit(self, x, y, epochs, batch_size, learning_rate, log_every):
        losses = []  # the post's fit reports every 10 epochs whatever log_every is (A's is 10)
        # The post's fit prints each loss report; collect the numbers instead.
        post = _post["namespace"]
        post["print"] = lambda *values: losses.append(float(values[-1]))
        self.net.fit(x, y, loss=post["MSE"], epochs=epochs, batch_size=batch_size, learning_rate=learning_rate)
        return losses or [None]  # a fit of under 10 epochs (the warm-up) reports none (NaN is not JSON)

    def predictor(self):
        return self.net.predict


if __name__ == "__main__":
    import sys

    print(assemble(open(os.environ.get(ENV) or sys.argv[1], encoding="utf-8").read()))
