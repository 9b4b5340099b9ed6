"""How scheduled kernels become machine code: TVM's own lowering with our passes on either
side, registered under TIR_PIPELINE for tvm.compile.

Before it, the next blocks of a blocked conv's weights are prefetched (prefetch.py), while
the loops and blocks are still those the schedule built; after it, vector loads of a few
neighbouring elements become one load and a shuffle (gathers.py), once indices are flat.
"""

from __future__ import annotations

import tvm
from tvm.s_tir import pipeline as s_tir_pipeline
from tvm.tirx import compilation_pipeline

from torch_tvm_core.schedules.gathers import gathers_as_shuffles
from torch_tvm_core.schedules.prefetch import prefetch_next_weight_blocks

TIR_PIPELINE = "torch_tvm_core"


def _pipeline() -> tuple[tvm.transform.Pass, tvm.transform.Pass, tvm.transform.Pass]:
    lower, finalize_host, finalize_device = s_tir_pipeline.default_s_tir_pipeline()
    ours = tvm.transform.Sequential([prefetch_next_weight_blocks, lower, gathers_as_shuffles])
    return ours, finalize_host, finalize_device


compilation_pipeline.register_tir_pipeline(TIR_PIPELINE, _pipeline)
