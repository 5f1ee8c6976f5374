#!/usr/bin/env python3
"""PyTorch CPU autograd form of MONAI DiceLoss(smooth_nr=0, smooth_dr=1e-5, squared_pred=True, sigmoid=True,
softmax=True or neither; squared_pred=False when NAME.json says squared: false) (MONAI's BraTS tutorial options; per sample and class, mean), on the inputs bench/squared.bench.ts wrote to
$SEGKIT_SQUARED_INPUTS (NAME.json: shape, layout, activation; NAME.x.f32 and NAME.g.f32: float32 data), timed like
bench/torch/losses.py: the value and the full float32 gradient per call, 1 thread, median of 15 runs after 3
warm-ups. One JSON line per workload.

Usage: SEGKIT_SQUARED_INPUTS=DIR python3 bench/torch/squaredDice.py NAME [NAME ...]
"""
import json
import os
import sys

import numpy as np
import torch

from timing import time_and_print

torch.set_num_threads(1)


def squared_dice(x, g, activation, dims, channel_axis, squared=True):
    """monai.losses.DiceLoss.forward with squared_pred=True (or False), smooth_nr=0, smooth_dr=1e-5, batch=False."""
    p = torch.sigmoid(x) if activation == "sigmoid" else torch.softmax(x, channel_axis) if activation == "softmax" else x
    inter = (p * g).sum(dims)
    den = (g * g).sum(dims) + (p * p).sum(dims) if squared else g.sum(dims) + p.sum(dims)
    return (1.0 - (2.0 * inter + 0.0) / (den + 1e-5)).mean()


def main(names):
    folder = os.environ["SEGKIT_SQUARED_INPUTS"]
    for name in names:
        meta = json.load(open(os.path.join(folder, name + ".json")))
        shape = meta["shape"]
        x = torch.from_numpy(np.fromfile(os.path.join(folder, name + ".x.f32"), dtype=np.float32).reshape(shape))
        g = torch.from_numpy(np.fromfile(os.path.join(folder, name + ".g.f32"), dtype=np.float32).reshape(shape))
        # Spatial axes: all but batch and channels.
        last = meta["layout"] == "channelsLast"
        dims = tuple(range(1, len(shape) - 1)) if last else tuple(range(2, len(shape)))
        channel_axis = len(shape) - 1 if last else 1
        x.requires_grad_(True)

        def call():
            loss = squared_dice(x, g, meta["activation"], dims, channel_axis, meta.get("squared", True))
            loss.backward()
            x.grad = None
            return float(loss)

        n = int(np.prod(shape))
        impl = "torch_monai_squared_dice" if meta.get("squared", True) else "torch_monai_dice"
        time_and_print(call, workload=name, impl=impl, elements=n, warmup=3, runs=15)


if __name__ == "__main__":
    main(sys.argv[1:])
