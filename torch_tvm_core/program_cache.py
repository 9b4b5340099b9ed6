"""A later process's compile of an unchanged model, without capturing it again.

With its executable on disk, capture (torch.export) is most of a compile: 1.5 s of 1.8 s for
ResNet-50 on AMD EPYC Zen 5, 2.4-2.7 s on Zen 3. A plan that ran whole on TVM leaves a program
entry naming its executable, keyed by what capture would read: the source files of the model's
classes, each module's settings (its plain attributes), parameters and buffers, the input
specs and the compiler. A compile with the same key loads that executable and checks it
against one eager call on the inputs it was given; any difference (the model reads state the
key cannot see) sends it down the capture path. Models in training mode, with hooks, or with
attributes the key cannot describe always take the capture path.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import itertools
import logging
import pathlib
import time
import types
from collections import Counter
from collections.abc import Sequence
from typing import Any

import torch
from torch import fx
from torch.utils import _pytree as pytree

from torch_tvm_core.disk_cache import ExecutableCache, compiler_fingerprint
from torch_tvm_core.pipeline import KernelCounts
from torch_tvm_core.plan import Plan, SubgraphRecord, WholeGraphCall
from torch_tvm_core.runtime import CompiledExecutable, TVMSubgraph
from torch_tvm_core.settings import Settings
from torch_tvm_core.specs import input_spec
from torch_tvm_core.timing import STAGES
from torch_tvm_core.toolchain import Toolchain
from torch_tvm_core.workload import Work

_log = logging.getLogger(__name__)

# A loaded executable agrees with eager within this, relative to the largest eager output
# (fp32 TVM and PyTorch differ by about 1e-6 of it; another model's weights by far more).
TOLERANCE = 1e-3

_PLAIN = (type(None), bool, int, float, complex, str, torch.dtype, torch.device, torch.Size)


def program_key(
    source: object, leaves: Sequence[Any], structure: object, toolchain: Toolchain, settings: Settings
) -> str | None:
    """The digest of what capturing `source` with these inputs would depend on; None where
    the key cannot describe it (not an inference-mode nn.Module with plain settings)."""
    if not isinstance(source, torch.nn.Module) or isinstance(source, fx.GraphModule | torch.jit.ScriptModule):
        return None
    if _has_global_hooks():
        return None
    modules = []
    for name, module in source.named_modules(remove_duplicate=False):
        description = _describe_module(module)
        if description is None:
            return None
        modules += [name, description]
    tuning = toolchain.tuning
    digest = hashlib.blake2b(digest_size=20)
    parts = [
        compiler_fingerprint(),
        str(toolchain.target),
        f"opt_level={toolchain.opt_level}",
        tuning.sha256 if tuning is not None else "no-tuning-db",
        f"strict={settings.strict};min_subgraph_size={settings.min_subgraph_size}",
        repr(input_spec(leaves)),
        str(structure),
        *modules,
    ]
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    tensors = itertools.chain(
        source.named_parameters(remove_duplicate=False), source.named_buffers(remove_duplicate=False)
    )
    for name, tensor in tensors:
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype};".encode())
        flat = tensor.detach().contiguous().reshape(-1)
        if flat.numel():
            digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def load(
    disk: ExecutableCache, key: str, source: torch.nn.Module, args: Sequence[Any], leaves: Sequence[Any]
) -> Plan | None:
    """The plan of a program entry, if there is one whose executable loads and agrees with
    eager on `args`."""
    started = time.perf_counter()
    entry = disk.load_program(key)
    if entry is None:
        return None
    try:
        cached = disk.load(entry["executable"])
        if cached is None:
            return None
        module, kernels = cached
        plan = _plan_of(entry, CompiledExecutable(module), kernels, time.perf_counter() - started)
        agrees = _agrees_with_eager(plan, source, args, leaves)
    except Exception as exc:  # an entry from another version or a damaged file: capture instead
        _log.warning("ignoring program entry %s: %s", key, exc)
        return None
    if not agrees:
        _log.warning("program entry %s disagrees with eager; capturing the model again", key)
        return None
    return plan


def store(disk: ExecutableCache, key: str, plan: Plan) -> None:
    """Record a plan that ran whole on TVM; others need capture to run."""
    whole = plan.whole_graph
    if whole is None or plan.out_spec is None or len(plan.subgraphs) != 1:
        return
    record = plan.subgraphs[0]
    if record.executable_key is None or not record.ran_on_tvm:
        return
    disk.store_program(
        key,
        {
            "executable": record.executable_key,
            "outputs": list(whole.output_indices),
            "out_spec": pytree.treespec_dumps(plan.out_spec),
            "name": record.name,
            "inputs": record.inputs,
            "work": _work_dict(record.work),
            "fallback": _work_dict(plan.fallback or Work()),
        },
    )


def _plan_of(entry: dict, executable: CompiledExecutable, kernels: KernelCounts, seconds: float) -> Plan:
    stage_seconds = dict.fromkeys(STAGES, 0.0) | {"build": seconds}
    record = SubgraphRecord(
        name=entry["name"],
        inputs=entry["inputs"],
        work=_work(entry["work"]),
        stage_seconds=dict(stage_seconds),
        compile_seconds=seconds,
        from_disk=True,
        kernels=kernels,
        executable_key=entry["executable"],
    )
    subgraph = TVMSubgraph(entry["name"], None, executable)
    whole = WholeGraphCall(subgraph, tuple(entry["outputs"]))
    return Plan(
        graph_module=LoadedProgram(whole),
        out_spec=pytree.treespec_loads(entry["out_spec"]),
        subgraphs=[record],
        fallback=_work(entry["fallback"]),
        stage_seconds=stage_seconds,
        whole_graph=whole,
    )


class LoadedProgram(torch.nn.Module):
    """A plan's program loaded without capture: its one subgraph (an attribute under the
    subgraph's name, as in a captured plan) fed the flat inputs."""

    def __init__(self, whole: WholeGraphCall) -> None:
        super().__init__()
        self.whole = whole
        setattr(self, whole.subgraph.name, whole.subgraph)

    def forward(self, *inputs: Any) -> tuple[Any, ...]:
        return self.whole.run(inputs)


def _agrees_with_eager(plan: Plan, source: torch.nn.Module, args: Sequence[Any], leaves: Sequence[Any]) -> bool:
    with torch.no_grad():
        expected = pytree.tree_leaves(source(*args))
        actual = pytree.tree_leaves(plan.run(leaves))
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual):
        if not isinstance(want, torch.Tensor):
            if want != got:
                return False
            continue
        if not isinstance(got, torch.Tensor) or want.shape != got.shape or want.dtype != got.dtype:
            return False
        if not want.is_floating_point():
            if not torch.equal(want, got):
                return False
            continue
        scale = max(1.0, float(want.abs().max())) if want.numel() else 1.0
        if not torch.allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE * scale, equal_nan=True):
            return False
    return True


def _work_dict(work: Work) -> dict:
    return {"flops": work.flops, "ops": dict(work.ops), "kinds": dict(work.kinds)}


def _work(data: dict) -> Work:
    return Work(flops=data["flops"], ops=Counter(data["ops"]), kinds=Counter(data["kinds"]))


def _has_global_hooks() -> bool:
    hooks = torch.nn.modules.module
    return any(
        getattr(hooks, name, None)
        for name in ("_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks")
    )


@functools.cache
def _module_internals() -> frozenset[str]:
    """The attributes every nn.Module has (registries, hooks, flags)."""
    return frozenset(vars(torch.nn.Module()))


def _describe_module(module: torch.nn.Module) -> str | None:
    """The module's class, the source of its classes and its plain settings; None where it is
    training, has hooks or holds a setting that is not plain."""
    if module.training or module._forward_hooks or module._forward_pre_hooks:
        return None
    sources = _class_sources(type(module))
    if sources is None:
        return None
    settings = []
    for name, value in sorted(vars(module).items()):
        if name in _module_internals():
            continue
        described = _describe_value(value)
        if described is None:
            return None
        settings.append(f"{name}={described}")
    return f"{type(module).__module__}.{type(module).__qualname__}|{sources}|{';'.join(settings)}"


def _describe_value(value: object) -> str | None:
    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
        return f"{value.__module__}.{value.__qualname__}"
    if isinstance(value, tuple | list):
        items = [_describe_value(item) for item in value]
        return None if None in items else f"{type(value).__name__}({','.join(items)})"
    if isinstance(value, functools.partial):
        # A layer factory with its settings bound, as torchvision's norm_layer.
        parts = [_describe_value(value.func), _describe_value(value.args)]
        parts += [_describe_value(item) for item in sorted(value.keywords.items())]
        return None if None in parts else f"partial({','.join(parts)})"
    return None


@functools.cache
def _class_sources(cls: type) -> str | None:
    """A digest of the files defining `cls` and its bases outside torch (torch's own are
    fixed by its version, in the compiler fingerprint); None where a file is unknown."""
    digest = hashlib.blake2b(digest_size=16)
    for base in cls.__mro__:
        if base.__module__.split(".")[0] in ("torch", "builtins"):
            continue
        try:
            path = inspect.getsourcefile(base)
        except TypeError:
            return None
        if path is None or not pathlib.Path(path).is_file():
            return None
        digest.update(pathlib.Path(path).read_bytes())
    return digest.hexdigest()
