#!/usr/bin/env python3
"""PyTorch CPU autograd forms of the smp / MONAI losses of issue 10 part 3 and of its compound / cross-entropy sweep
(bench/smpMonaiLosses.bench.ts), on the
focal_fb workload shape (logits NCHW, one-hot / label targets), timed like bench/torch/losses.py: value and full
float32 gradient per call, 1 thread, median after one warm-up. The formulas follow smp 0.5 / MONAI 1.5 (written
out here: neither library is a dependency of the bench). One JSON line per loss, `workload` = the loss name.

Usage: python3 bench/torch/smpMonaiLosses.py NAME [NAME ...]
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

from timing import time_and_print

HERE = os.path.dirname(os.path.abspath(__file__))
W = json.load(open(os.path.join(HERE, "..", "reference", "workloads.json")))["workloads"]["focal_fb"]
torch.set_num_threads(1)
RUNS = 9


def soft_ce(x, g, labels):
    """smp SoftCrossEntropyLoss(smooth_factor=0.1): label_smoothed_nll_loss, ignore_index -100, mean."""
    eps = 0.1
    lp = F.log_softmax(x, 1)
    t = labels.unsqueeze(1)
    pad = t.eq(-100)
    nll = -lp.gather(1, t.masked_fill(pad, 0)).masked_fill(pad, 0.0)
    smooth = -lp.sum(1, keepdim=True).masked_fill(pad, 0.0)
    return (1 - eps) * nll.mean() + eps / x.shape[1] * smooth.mean()


def soft_bce(x, g, labels):
    """smp SoftBCEWithLogitsLoss(smooth_factor=0.1), ignore_index -100, mean over all elements."""
    s = 0.1
    soft = (1 - g) * s + g * (1 - s)
    loss = F.binary_cross_entropy_with_logits(x, soft, reduction="none")
    return (loss * (g != -100)).mean()


def masked_dice(x, g, labels):
    """MONAI MaskedDiceLoss(softmax=True) with an all-ones mask: DiceLoss(x·mask, g·mask)."""
    mask = torch.ones((x.shape[0], 1, *x.shape[2:]), dtype=x.dtype)
    p = torch.softmax(x * mask, 1)
    gm = g * mask
    dims = tuple(range(2, x.ndim))
    i = (p * gm).sum(dims)
    return 1 - ((2 * i + 1e-5) / (p.sum(dims) + gm.sum(dims) + 1e-5)).mean()


def masked_dice_disk(x, g, labels):
    """MONAI MaskedDiceLoss(softmax=True) with a disk mask: 1 inside the centred disk of radius 0.4·H, else 0."""
    H, W = x.shape[2:]
    y = torch.arange(H, dtype=x.dtype).view(H, 1) - H / 2
    z = torch.arange(W, dtype=x.dtype).view(1, W) - W / 2
    mask = ((y * y + z * z) < (0.4 * H) ** 2).to(x.dtype).expand(x.shape[0], 1, H, W)
    p = torch.softmax(x * mask, 1)
    gm = g * mask
    dims = tuple(range(2, x.ndim))
    i = (p * gm).sum(dims)
    return 1 - ((2 * i + 1e-5) / (p.sum(dims) + gm.sum(dims) + 1e-5)).mean()


def mcc(x, g, labels):
    """smp MCCLoss(eps=1e-5) on probabilities (softmax of the logits, outside the timed graph)."""
    p = x
    eps = 1e-5
    tp = (p * g).sum() + eps
    tn = ((1 - p) * (1 - g)).sum() + eps
    fp = (p * (1 - g)).sum() + eps
    fn = ((1 - p) * g).sum() + eps
    num = tp * tn - fp * fn
    den = torch.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return 1 - num / den


def lovasz_grad(gt_sorted):
    gts = gt_sorted.sum()
    inter = gts - gt_sorted.cumsum(0)
    union = gts + (1 - gt_sorted).cumsum(0)
    j = 1.0 - inter / union
    j[1:] = j[1:] - j[:-1]
    return j


def lovasz_multiclass(x, g, labels):
    """smp LovaszLoss(mode='multiclass'): softmax, then per present class the sorted-error Lovász extension."""
    p = torch.softmax(x, 1)
    C = p.shape[1]
    probas = p.movedim(1, -1).reshape(-1, C)
    lab = labels.reshape(-1)
    losses = []
    for c in range(C):
        fg = (lab == c).to(probas.dtype)
        if fg.sum() == 0:
            continue
        errors = (fg - probas[:, c]).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        losses.append(torch.dot(errors_sorted, lovasz_grad(fg[perm])))
    return torch.stack(losses).mean()


def lovasz_hinge(x, g, labels):
    """smp LovaszLoss(mode='binary' or 'multilabel'), per_image=False: the hinge over every element flattened."""
    logits = x.reshape(-1)
    fg = g.reshape(-1)
    errors = 1.0 - logits * (2.0 * fg - 1.0)
    errors_sorted, perm = torch.sort(errors, dim=0, descending=True)
    return torch.dot(F.relu(errors_sorted), lovasz_grad(fg[perm]))


def _dice(p, g):
    """MONAI DiceLoss on probabilities p (NCHW): per sample and class, smooth 1e-5, mean."""
    dims = tuple(range(2, p.ndim))
    i = (p * g).sum(dims)
    return 1 - ((2 * i + 1e-5) / (p.sum(dims) + g.sum(dims) + 1e-5)).mean()


def _sigmoid_focal(x, g, gamma=2.0):
    """MONAI FocalLoss(use_softmax=False, gamma=2), mean over every element."""
    loss = x - x * g - F.logsigmoid(-x)
    invprobs = F.logsigmoid(-x * (g * 2 - 1))
    return ((invprobs * gamma).exp() * loss).mean()


def dice_ce(x, g, labels):
    """MONAI DiceCELoss(softmax=True) with one-hot targets: Dice + CrossEntropyLoss (probability targets)."""
    return _dice(torch.softmax(x, 1), g) + F.cross_entropy(x, g)


def soft_ce0(x, g, labels):
    """smp SoftCrossEntropyLoss() without smoothing: the mean NLL of log_softmax, ignore_index -100."""
    return F.nll_loss(F.log_softmax(x, 1), labels, ignore_index=-100)


def dice_focal(x, g, labels):
    """MONAI DiceFocalLoss(softmax=True): Dice (softmax) + sigmoid focal (gamma 2)."""
    return _dice(torch.softmax(x, 1), g) + _sigmoid_focal(x, g)


def gen_dice_focal(x, g, labels):
    """MONAI GeneralizedDiceFocalLoss(softmax=True): generalized Dice (square weights) + sigmoid focal."""
    p = torch.softmax(x, 1)
    dims = tuple(range(2, x.ndim))
    gs = g.sum(dims)
    w = 1.0 / (gs * gs)
    inf = torch.isinf(w)
    w = w.masked_fill(inf, 0.0)
    w = w + inf * w.max(1, keepdim=True).values
    num = 2.0 * (w * (p * g).sum(dims)).sum(1) + 1e-5
    den = (w * (p.sum(dims) + gs)).sum(1) + 1e-5
    return (1.0 - num / den).mean() + _sigmoid_focal(x, g)


def softmax_focal(x, g, labels):
    """MONAI FocalLoss(use_softmax=True, gamma=2), mean over every element."""
    ls = F.log_softmax(x, 1)
    return (-(1 - ls.exp()).pow(2.0) * ls * g).mean()


IMPLS = {
    "diceCELoss monai": (dice_ce, "logits"),
    "softCrossEntropyLoss default": (soft_ce0, "logits"),
    "diceFocalLoss monai": (dice_focal, "logits"),
    "generalizedDiceFocalLoss monai": (gen_dice_focal, "logits"),
    "focalLoss monai softmax": (softmax_focal, "logits"),
    "diceLoss monai": (lambda x, g, labels: _dice(torch.softmax(x, 1), g), "logits"),
    "softCrossEntropyLoss": (soft_ce, "logits"),
    "softBCEWithLogitsLoss": (soft_bce, "logits"),
    "maskedDiceLoss": (masked_dice, "logits"),
    "maskedDiceLoss disk mask": (masked_dice_disk, "logits"),
    "mccLoss": (mcc, "prob"),
    "lovaszLoss multiclass": (lovasz_multiclass, "logits"),
    "lovaszLoss binary": (lovasz_hinge, "binary"),
    "lovaszLoss multilabel": (lovasz_hinge, "logits"),
}


def main(names):
    gen = torch.Generator().manual_seed(20240601)
    shape = W["shape_nchw"]
    x0 = torch.randn(shape, generator=gen, dtype=torch.float32)
    labels = torch.randint(0, shape[1], (shape[0], *shape[2:]), generator=gen)
    g = F.one_hot(labels, shape[1]).movedim(-1, 1).to(torch.float32).contiguous()
    for name in names:
        fn, kind = IMPLS[name]
        # "binary": one channel (channel 0 of the logits and of the one-hot targets), shape [N, 1, H, W].
        x = (torch.softmax(x0, 1) if kind == "prob" else x0[:, :1] if kind == "binary" else x0).clone()
        x.requires_grad_(True)
        gk = g[:, :1].contiguous() if kind == "binary" else g

        def call():
            loss = fn(x, gk, labels)
            loss.backward()
            x.grad = None
            return float(loss)

        time_and_print(call, workload=name, impl="torch " + name, elements=x.numel(), warmup=1, runs=RUNS)


if __name__ == "__main__":
    main(sys.argv[1:])
