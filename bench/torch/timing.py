"""The timing loop and the result line shared by the PyTorch reference scripts of this folder.

`time_and_print` times `call` (which returns the loss value) after `warmup` untimed calls, `runs` times, and prints
one JSON line in workloads.json's result_line_fields, with the median, min and max in ms.
"""
import json
import os
import statistics
import time

import torch


def time_and_print(call, *, workload, impl, elements, warmup, runs):
    for _ in range(warmup):
        call()
    times = []
    value = None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = call()
        times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    line = {
        "workload": workload,
        "impl": impl,
        "threads": 1,
        "median_ms": round(med, 3),
        "min_ms": round(min(times), 3),
        "max_ms": round(max(times), 3),
        "runs": runs,
        "elements": elements,
        "elements_per_s": round(elements / (med / 1000)),
        "lang": "python",
        "lib": "torch " + torch.__version__,
        "value": value,
        "malloc": "keepmem" if os.environ.get("MALLOC_MMAP_THRESHOLD_") else "default",
    }
    print(json.dumps(line), flush=True)
