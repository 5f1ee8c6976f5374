#!/usr/bin/env python3
"""PyTorch CPU autograd forms of the binary (per element) losses of bench/binary.bench.ts, on the focal_prob_small
workload shape ([8, 256, 256, 4], 2,097,152 elements), timed like bench/torch/losses.py (its inputs, its timing: the
value and the full float32 gradient per call, 1 thread, median of the workload's runs after its warm-ups). One
JSON line per loss, `workload` = the bench's workload name.

  bce_prob_small           torch.nn.functional.binary_cross_entropy on p clamped to [1e-7, 1 − 1e-7] (torch's
                           fused BCE; Keras adds 1e-7 inside its logs, a difference of ~1e-7 per element)
  binary_focal_prob_small  sm BinaryFocalLoss(alpha=0.25, gamma=2) written in torch ops
  sigmoid_focal_fb         torchvision-style sigmoid_focal_loss (alpha none, gamma 2, mean) from logits: MONAI
                           FocalLoss(use_softmax=False) / smp FocalLoss(mode='binary' / 'multilabel')
  soft_bce_fb              smp SoftBCEWithLogitsLoss(smooth_factor=0.1) (its formula in torch ops)

Usage: python3 bench/torch/binaryLosses.py NAME [NAME ...]
"""
import sys

import torch
import torch.nn.functional as F

from losses import WORKLOADS, inputs
from timing import time_and_print

W = WORKLOADS["focal_prob_small"]
torch.set_num_threads(1)


def bce(p, g):
    return F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), g)


def binary_focal(p, g):
    q = p.clamp(1e-7, 1 - 1e-7)
    return (-g * 0.25 * (1 - q) ** 2 * torch.log(q) - (1 - g) * 0.75 * q**2 * torch.log(1 - q)).mean()


def sigmoid_focal(x, g):
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, g, reduction="none")
    p_t = p * g + (1 - p) * (1 - g)
    return (ce * (1 - p_t) ** 2).mean()


def soft_bce(x, g):
    """smp SoftBCEWithLogitsLoss(smooth_factor=0.1, ignore_index=-100), mean."""
    t = (1 - g) * 0.1 + g * (1 - 0.1)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    return (loss * (g != -100)).mean()


IMPLS = {
    "bce_prob_small": ("torch_F_bce", bce, "prob"),
    "binary_focal_prob_small": ("torch_sm_binary_focal", binary_focal, "prob"),
    "sigmoid_focal_fb": ("torch_sigmoid_focal", sigmoid_focal, "logits"),
    "soft_bce_fb": ("torch_smp_soft_bce", soft_bce, "logits"),
}


def main(names):
    for name in names:
        impl, fn, kind = IMPLS[name]
        x, g = inputs({**W, "shape_nchw": [W["shape_nhwc"][0], W["shape_nhwc"][3], *W["shape_nhwc"][1:3]]}, kind)
        x.requires_grad_(True)

        def call():
            loss = fn(x, g)
            loss.backward()
            x.grad = None
            return float(loss)

        time_and_print(call, workload=name, impl=impl, elements=W["elements"], warmup=W["warmup"], runs=W["runs"])


if __name__ == "__main__":
    main(sys.argv[1:])
