"""Keep TVM's thread pool the size of PyTorch's, so both halves of a model share cores alike."""

from __future__ import annotations

import os

import torch
import tvm

_configured: int | None = None


def prepare_thread_pool() -> None:
    """Set TVM's thread-pool environment before the pool first starts.

    TVM caps its pool for good at TVM_NUM_THREADS, defaulting to half the logical cores
    (it assumes hyper-threading), so on 2 cores it could never follow torch to 2 threads.
    With one thread it also pins the calling thread to one core, which the OpenMP
    threads torch creates later inherit. Users' own settings win.
    """
    os.environ.setdefault("TVM_NUM_THREADS", str(len(os.sched_getaffinity(0))))
    os.environ.setdefault("TVM_BIND_THREADS", "0")


def match_torch_threads() -> int:
    """Resize TVM's pool to torch.get_num_threads() when that changed; return the count."""
    global _configured
    wanted = torch.get_num_threads()
    if wanted != _configured:
        # Mode 1 ("big cores") places threads like TVM's default; all cores are big here.
        tvm.get_global_func("runtime.config_threadpool")(1, wanted)
        _configured = wanted
    return wanted


def tvm_threads() -> int:
    return int(tvm.get_global_func("runtime.NumThreads")())
