#!/usr/bin/env python3
"""PyTorch CPU autograd references of the loss workloads (bench/reference/workloads.json → definitions), timed on
1 thread as baseline.md does: the value and the full float32 gradient per call, median of the workload's runs after
its warm-ups. Prints one JSON line per workload (workloads.json → result_line_fields).

A development tool, not a CI dependency: bench/torch.ts runs it as a subprocess in the same bench run as segkit,
with baseline.md's "keepmem" malloc setting, so the two can be compared as a ratio.

Usage: python3 bench/torch/losses.py WORKLOAD [WORKLOAD ...]
"""
import json
import os
import sys

import torch

from timing import time_and_print

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = json.load(open(os.path.join(HERE, "..", "reference", "workloads.json")))["workloads"]
torch.set_num_threads(1)


def minimal_dice(x, g):
    """definitions.dice: softmax over axis 1 (NCHW), per sample and class, mean over both (MONAI DiceLoss defaults)."""
    p = torch.softmax(x, 1)
    dims = tuple(range(2, x.ndim))
    i = (p * g).sum(dims)
    return 1 - ((2 * i + 1e-5) / (p.sum(dims) + g.sum(dims) + 1e-5)).mean()


def minimal_focal(x, g):
    """definitions.focal: softmax focal loss, gamma 2, no alpha, mean over all elements (MONAI FocalLoss)."""
    lp = torch.log_softmax(x, 1)
    return (-((1 - lp.exp()) ** 2) * lp * g).mean()


def sm_dice(pr, gt):
    """definitions.sm_dice: sums over every axis but the last (channels-last)."""
    dims = tuple(range(pr.ndim - 1))
    tp = (gt * pr).sum(dims)
    fp = pr.sum(dims) - tp
    fn = gt.sum(dims) - tp
    return 1 - ((2 * tp + 1e-5) / (2 * tp + fn + fp + 1e-5)).mean()


def sm_jaccard(pr, gt):
    """definitions.sm_jaccard."""
    dims = tuple(range(pr.ndim - 1))
    i = (gt * pr).sum(dims)
    u = gt.sum(dims) + pr.sum(dims) - i
    return 1 - ((i + 1e-5) / (u + 1e-5)).mean()


def sm_focal(pr, gt):
    """definitions.sm_focal: alpha 0.25, gamma 2, Keras clip."""
    q = pr.clamp(1e-7, 1 - 1e-7)
    return (-gt * 0.25 * (1 - q) ** 2 * torch.log(q)).mean()


def sm_cce(pr, gt):
    """definitions.sm_cce: normalise over channels, clip, mean of -gt·log q."""
    q = (pr / pr.sum(-1, keepdim=True)).clamp(1e-7, 1 - 1e-7)
    return -(gt * torch.log(q)).mean()


IMPLS = {
    "dice_fb": ("torch_minimal_dice", minimal_dice, "logits"),
    "focal_fb": ("torch_minimal_focal", minimal_focal, "logits"),
    "sm_dice_prob": ("torch_sm_dice", sm_dice, "prob"),
    "sm_jaccard_prob": ("torch_sm_jaccard", sm_jaccard, "prob"),
    "sm_focal_prob": ("torch_sm_focal", sm_focal, "prob"),
    "sm_cce_prob": ("torch_sm_cce", sm_cce, "prob"),
}


def inputs(w, kind):
    """Seeded inputs of the workload's kind: logits NCHW for *_fb (baseline.md), softmax probabilities NHWC for *_prob."""
    gen = torch.Generator().manual_seed(20240601)
    if kind == "logits":
        shape = w["shape_nchw"]
        x = torch.randn(shape, generator=gen, dtype=torch.float32)
        labels = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=gen)
        g = torch.nn.functional.one_hot(labels, shape[1]).movedim(-1, 1).to(torch.float32).contiguous()
        return x, g
    shape = w["shape_nhwc"] if "shape_nhwc" in w else w["shape"]
    x = torch.softmax(torch.randn(shape, generator=gen, dtype=torch.float64), -1).to(torch.float32)
    labels = torch.randint(0, shape[-1], tuple(shape[:-1]), generator=gen)
    g = torch.nn.functional.one_hot(labels, shape[-1]).to(torch.float32)
    return x, g


def main(names):
    for name in names:
        w = WORKLOADS[name]
        impl, fn, kind = IMPLS[w["kind"]]
        x, g = inputs(w, kind)
        x.requires_grad_(True)

        def call():
            loss = fn(x, g)
            loss.backward()
            x.grad = None  # the gradient was computed in full by backward(); segkit's calls return theirs
            return float(loss)

        time_and_print(call, workload=name, impl=impl, elements=w["elements"], warmup=w["warmup"], runs=w["runs"])


if __name__ == "__main__":
    main(sys.argv[1:])
