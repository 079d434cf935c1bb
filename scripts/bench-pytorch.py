#!/usr/bin/env python3
"""PyTorch's speed on the native CLI's benchmark (npm run bench, part 1): the article's MLP
(784 -> 500 -> 256 -> 10, relu, sigmoid, relu, log-softmax + NLL), SGD lr 0.01, momentum 0.5,
batch 32, shuffled, on the bundled MNIST subset (www/data/mnist-subset), as `train --bench` trains.

    python3 scripts/bench-pytorch.py STEPS THREADS

Prints one JSON line: {"samplesPerSec", "steps", "seconds", "threads", "torch"}. A benchmark peer,
not a dependency: bench.mjs runs it only where `import torch` works, and says so where not.
"""
import gzip
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "www" / "data" / "mnist-subset"


def idx(name):
    raw = gzip.decompress((DATA / f"{name}.gz").read_bytes())
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def main():
    steps, threads = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    images = (idx("train-images-idx3-ubyte").reshape(-1, 784).float() / 255 - 0.1307) / 0.3081
    labels = idx("train-labels-idx1-ubyte").long()
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 500), torch.nn.ReLU(),
        torch.nn.Linear(500, 256), torch.nn.Sigmoid(),
        torch.nn.Linear(256, 10), torch.nn.ReLU(),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    def train(n):
        done = 0
        while done < n:
            order = torch.randperm(len(images))
            for start in range(0, len(order) - 31, 32):
                if done == n:
                    return
                batch = order[start : start + 32]
                opt.zero_grad()
                loss = torch.nn.functional.nll_loss(torch.log_softmax(model(images[batch]), 1), labels[batch])
                loss.backward()
                opt.step()
                done += 1

    train(50)  # warm-up: allocations, thread pool
    t0 = time.perf_counter()
    train(steps)
    seconds = time.perf_counter() - t0
    print(json.dumps({"samplesPerSec": steps * 32 / seconds, "steps": steps, "seconds": seconds,
                      "threads": threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
