"""Keep TVM's thread pool the size of PyTorch's, so both halves of a model share cores alike."""

from __future__ import annotations

import torch
import tvm

_configured: int | None = None


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
