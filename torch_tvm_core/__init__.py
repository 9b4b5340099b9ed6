"""Run the parts of a PyTorch model that Apache TVM can take on TVM, the rest in PyTorch.

import torch_tvm_core
compiled = torch_tvm_core.compile(model, (x,))   # an nn.Module
print(torch_tvm_core.explain(compiled))
"""

from torch_tvm_core import threads
from torch_tvm_core.api import compile, to_relax
from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.dynamo import register_as_torch_compile_backend
from torch_tvm_core.errors import (
    LoweringError,
    SettingsError,
    TargetError,
    TuningBusyError,
    TuningDatabaseError,
    UnsupportedOperatorError,
)
from torch_tvm_core.jit_trace import disable, enable, is_enabled
from torch_tvm_core.explanation import Explanation, explain
from torch_tvm_core.schedules.tuning import TuningProgress, machine_tuning_database, tune
from torch_tvm_core.schedules.tuning_lock import tuning_process
from torch_tvm_core.settings import Settings
from torch_tvm_core.tuning_database import TuningDatabase, apply_tuning, check_tuning_database

# Importing TVM does not start its thread pool; the first compiled call does.
threads.prepare_thread_pool()
register_as_torch_compile_backend()

__all__ = [
    "CompiledModel",
    "Explanation",
    "LoweringError",
    "Settings",
    "SettingsError",
    "TargetError",
    "TuningBusyError",
    "TuningDatabase",
    "TuningDatabaseError",
    "TuningProgress",
    "UnsupportedOperatorError",
    "apply_tuning",
    "check_tuning_database",
    "compile",
    "disable",
    "enable",
    "explain",
    "is_enabled",
    "machine_tuning_database",
    "to_relax",
    "tune",
    "tuning_process",
]
