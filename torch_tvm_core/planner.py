"""The one way from a program and its inputs to a runnable plan:
capture -> partition -> per subgraph: lower -> schedule -> build (or load from the cache).
A model whose whole plan ran on TVM before is loaded without capture (program_cache.py).

Configuration errors (a tuning database TVM cannot read) raise to the caller; a subgraph
TVM fails to compile runs in PyTorch and its record says why, unless strict=True.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import torch
from torch import fx
from torch.utils import _pytree as pytree

from torch_tvm_core import capture, lower, pipeline, program_cache
from torch_tvm_core.disk_cache import ExecutableCache, cache_key
from torch_tvm_core.errors import LoweringError, TuningDatabaseError
from torch_tvm_core.partition import partition
from torch_tvm_core.plan import Plan, SubgraphRecord, WholeGraphCall
from torch_tvm_core.runtime import CompiledExecutable, TVMSubgraph
from torch_tvm_core.settings import Settings
from torch_tvm_core.timing import StageTimes
from torch_tvm_core.toolchain import Toolchain
from torch_tvm_core.workload import work_of

_log = logging.getLogger(__name__)


def plan(
    source: capture.ProgramSource,
    args: Sequence[Any],
    toolchain: Toolchain,
    settings: Settings,
    disk: ExecutableCache | None,
) -> Plan:
    program_key = None
    if disk is not None:
        leaves, structure = pytree.tree_flatten(list(args))
        program_key = program_cache.program_key(source, leaves, structure, toolchain, settings)
        if program_key is not None:
            loaded = program_cache.load(disk, program_key, source, args, leaves)
            if loaded is not None:
                return loaded
    captured = _plan_by_capture(source, args, toolchain, settings, disk)
    if program_key is not None:
        program_cache.store(disk, program_key, captured)
    return captured


def _plan_by_capture(
    source: capture.ProgramSource,
    args: Sequence[Any],
    toolchain: Toolchain,
    settings: Settings,
    disk: ExecutableCache | None,
) -> Plan:
    times = StageTimes()
    try:
        with times.stage("capture"):
            program = capture.export_program(source, args)
            graph_module = capture.aten_graph(program)
    except Exception as exc:
        if settings.strict:
            raise
        # A program export cannot capture still runs, all of it in PyTorch.
        _log.warning("running in PyTorch: capturing the program failed: %s", exc)
        return Plan(
            graph_module=source,
            out_spec=None,
            subgraphs=[],
            fallback=None,
            stage_seconds=times.seconds,
            capture_error=f"{type(exc).__name__}: {exc}"[:500],
        )
    with times.stage("partition"):
        partitioning = partition(
            graph_module, min_subgraph_size=settings.min_subgraph_size, strict=settings.strict
        )
    fused = partitioning.graph_module
    records = []
    for name in partitioning.subgraph_ops:
        record, runtime = _compile_subgraph(name, getattr(fused, name), toolchain, settings, disk)
        setattr(fused, name, runtime)
        times.add_seconds(record.stage_seconds)
        records.append(record)
    return Plan(
        graph_module=fused,
        out_spec=program.call_spec.out_spec,
        subgraphs=records,
        fallback=work_of(fused.graph.nodes),
        stage_seconds=times.seconds,
        whole_graph=WholeGraphCall.of(fused),
    )


def _compile_subgraph(
    name: str,
    subgraph: fx.GraphModule,
    toolchain: Toolchain,
    settings: Settings,
    disk: ExecutableCache | None,
) -> tuple[SubgraphRecord, TVMSubgraph]:
    times = StageTimes()
    started = time.perf_counter()
    executable, kernels, from_disk, failure, key = None, pipeline.KernelCounts(), False, None, None
    try:
        inputs = _example_inputs(subgraph)
        executable, kernels, from_disk, key = _build(subgraph, inputs, toolchain, disk, times)
    except TuningDatabaseError:
        raise
    except Exception as exc:
        if settings.strict:
            raise LoweringError(f"TVM failed to compile subgraph {name}: {exc}") from exc
        _log.warning("subgraph %s runs in PyTorch: TVM failed to compile it: %s", name, exc)
        failure = f"{type(exc).__name__}: {exc}"[:500]
    record = SubgraphRecord(
        name=name,
        inputs=_describe_inputs(subgraph),
        work=work_of(subgraph.graph.nodes),
        stage_seconds=dict(times.seconds),
        compile_seconds=time.perf_counter() - started,
        from_disk=from_disk,
        kernels=kernels,
        failure=failure,
        executable_key=key,
    )
    return record, TVMSubgraph(name, subgraph, executable)


def _build(
    subgraph: fx.GraphModule,
    inputs: list[torch.Tensor],
    toolchain: Toolchain,
    disk: ExecutableCache | None,
    times: StageTimes,
) -> tuple[CompiledExecutable, pipeline.KernelCounts, bool, str | None]:
    """The executable, how its kernels were scheduled, whether it came from the disk cache,
    and its name there."""
    key = None
    if disk is not None:
        with times.stage("build"):
            key = cache_key(subgraph, inputs, toolchain)
            cached = disk.load(key)
            if cached is not None:
                module, kernels = cached
                return CompiledExecutable(module), kernels, True, key
    with times.stage("lower"):
        module = lower.subgraph_relax_module(subgraph, inputs)
    built = pipeline.build_module(module, toolchain, times)
    with times.stage("build"):
        if disk is not None and key is not None:
            disk.store(key, built)
        return CompiledExecutable(built.executable), built.kernels, False, key


def _placeholders(subgraph: fx.GraphModule) -> list[fx.Node]:
    return [node for node in subgraph.graph.nodes if node.op == "placeholder"]


def _example_inputs(subgraph: fx.GraphModule) -> list[torch.Tensor]:
    """Compact tensors of the shapes and dtypes export recorded for the subgraph's inputs:
    compiling needs only those, so no real call has to run first."""
    inputs = []
    for node in _placeholders(subgraph):
        value = node.meta.get("val")
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"input {node.name} is not a tensor of known shape: {value!r}")
        inputs.append(torch.zeros(tuple(int(size) for size in value.shape), dtype=value.dtype))
    return inputs


def _describe_inputs(subgraph: fx.GraphModule) -> str:
    parts = []
    for node in _placeholders(subgraph):
        value = node.meta.get("val")
        if isinstance(value, torch.Tensor):
            parts.append(f"{value.dtype}{list(value.shape)}".replace("torch.", ""))
        else:
            parts.append(repr(value))
    return ", ".join(parts)
