"""explain(): what ran where, how much of the work that was, and where compile time went."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, Literal

from torch_tvm_core.compiled import CompiledModel
from torch_tvm_core.plan import Plan, SubgraphRecord
from torch_tvm_core.timing import STAGES
from torch_tvm_core.workload import Work


@dataclasses.dataclass(frozen=True)
class SubgraphExplanation:
    """One subgraph of the latest plan. failure says why it runs in PyTorch, if it does."""

    name: str
    inputs: str
    ops: dict[str, int]
    flops: int | None
    compile_seconds: float
    stage_seconds: dict[str, float]
    from_disk: bool
    kernels_tuned: int
    kernels_default: int
    failure: str | None
    ran_on_tvm: bool


@dataclasses.dataclass(frozen=True)
class Explanation:
    """The plan for the most recent input spec, plus lifetime cache counters.

    coverage: the fraction of the floating-point work that ran on TVM, counted in FLOPs from
        the graph's shapes (coverage_basis "flops"), or, when some shape is unknown, the
        fraction of operators (coverage_basis "ops").
    ops_fallback_by_kind: the ops that ran in PyTorch, as convolution / matmul / pooling /
        other counts.
    tuning: the tuning database the compile applied ("database": its shipped name or the
        path as given, "sha256": the hash of its content; both None for default schedules
        only) and how many compiled kernels took a tuned record vs a default schedule.
    stage_seconds: compile time per pipeline stage (capture, partition, lower, schedule,
        build) for the latest plan, summed over its subgraphs; loading an executable from
        the disk cache counts as build.
    """

    subgraphs: list[SubgraphExplanation]
    ops_in_tvm: dict[str, int]
    ops_fallback: dict[str, int]
    ops_fallback_by_kind: dict[str, int]
    tvm_op_share: float
    coverage: float
    coverage_basis: Literal["flops", "ops"]
    flops_in_tvm: int | None
    flops_total: int | None
    tuning: dict[str, Any]
    stage_seconds: dict[str, float]
    compile_seconds: dict[str, float]
    capture_seconds: float
    cache_hits: int
    cache_misses: int
    disk_cache_hits: int
    plans: int
    capture_error: str | None

    def to_dict(self) -> dict[str, Any]:
        result = dataclasses.asdict(self)
        result["subgraphs"] = len(self.subgraphs)
        result["subgraph_details"] = [dataclasses.asdict(subgraph) for subgraph in self.subgraphs]
        return result

    def __str__(self) -> str:
        basis = "FLOPs" if self.coverage_basis == "flops" else "ops (FLOPs unknown)"
        tuning = self.tuning
        lines = [
            f"{len(self.subgraphs)} TVM subgraph(s); {self.coverage:.1%} of {basis} on TVM; "
            f"{self.tvm_op_share:.1%} of ops on TVM",
            f"on TVM:   {_format_ops(self.ops_in_tvm)}",
            f"fallback: {_format_ops(self.ops_fallback) or 'none'}",
            f"tuning: {tuning['database'] or 'default schedules only'}; "
            f"{tuning['kernels_tuned']} kernel(s) tuned, {tuning['kernels_default']} default",
            "compile: "
            + ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in self.stage_seconds.items()),
            f"cache: {self.cache_hits} hit(s), {self.cache_misses} miss(es), "
            f"{self.disk_cache_hits} from disk",
        ]
        lines += [
            f"  {subgraph.name} runs in PyTorch: {subgraph.failure}"
            for subgraph in self.subgraphs
            if subgraph.failure is not None
        ]
        if self.capture_error:
            lines.append(f"  the program runs in PyTorch: {self.capture_error}")
        return "\n".join(lines)


def explain(compiled: object) -> Explanation:
    """What ran where, for a model from compile(), or a module traced while enable() was on."""
    model = getattr(compiled, "compiled_model", compiled)
    if not isinstance(model, CompiledModel):
        raise TypeError(
            "explain() takes what torch_tvm_core.compile() returns, or a module traced "
            f"with torch.jit.trace while torch_tvm_core is enabled; got {type(compiled).__name__}"
        )
    plan = model.last_plan
    records = plan.subgraphs if plan else []
    on_tvm, fallback = _split_work(plan)
    total_ops = sum(on_tvm.ops.values()) + sum(fallback.ops.values())
    op_share = sum(on_tvm.ops.values()) / total_ops if total_ops else 0.0
    every = Work()
    every.add(on_tvm)
    every.add(fallback)
    flops_total = every.flops
    counted = flops_total is not None and flops_total > 0
    database = model.toolchain.tuning
    compiled_records = [record for record in records if record.ran_on_tvm]
    every_record = [record for known in model.plans() for record in known.subgraphs]
    return Explanation(
        subgraphs=[_subgraph_explanation(record) for record in records],
        ops_in_tvm=dict(sorted(on_tvm.ops.items())),
        ops_fallback=dict(sorted(fallback.ops.items())),
        ops_fallback_by_kind=dict(sorted(fallback.kinds.items())),
        tvm_op_share=op_share,
        coverage=on_tvm.flops / flops_total if counted else op_share,
        coverage_basis="flops" if counted else "ops",
        flops_in_tvm=on_tvm.flops if counted else None,
        flops_total=flops_total if counted else None,
        tuning={
            "database": database.name if database else None,
            "sha256": database.sha256 if database else None,
            "kernels_tuned": sum(record.kernels.tuned for record in compiled_records),
            "kernels_default": sum(record.kernels.default for record in compiled_records),
        },
        stage_seconds=dict(plan.stage_seconds) if plan else dict.fromkeys(STAGES, 0.0),
        compile_seconds={record.name: record.compile_seconds for record in records},
        capture_seconds=plan.stage_seconds["capture"] if plan else 0.0,
        cache_hits=model.counters.hits,
        cache_misses=model.counters.misses,
        disk_cache_hits=sum(record.from_disk for record in every_record),
        plans=len(model.plans()),
        capture_error=plan.capture_error if plan else None,
    )


def _split_work(plan: Plan | None) -> tuple[Work, Work]:
    """The work that ran on TVM, and the work that ran in PyTorch (subgraphs TVM failed to
    compile included)."""
    on_tvm, fallback = Work(), Work()
    if plan is None or plan.fallback is None:
        return on_tvm, Work(flops=None)
    fallback.add(plan.fallback)
    for record in plan.subgraphs:
        (on_tvm if record.ran_on_tvm else fallback).add(record.work)
    return on_tvm, fallback


def _subgraph_explanation(record: SubgraphRecord) -> SubgraphExplanation:
    return SubgraphExplanation(
        name=record.name,
        inputs=record.inputs,
        ops=dict(sorted(record.work.ops.items())),
        flops=record.work.flops,
        compile_seconds=record.compile_seconds,
        stage_seconds=dict(record.stage_seconds),
        from_disk=record.from_disk,
        kernels_tuned=record.kernels.tuned,
        kernels_default=record.kernels.default,
        failure=record.failure,
        ran_on_tvm=record.ran_on_tvm,
    )


def _format_ops(ops: dict[str, int]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in ops.items())
