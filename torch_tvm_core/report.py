"""explain(): what ran where, from the statistics the compiled model keeps."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from torch_tvm_core.compiled import CompiledModel


@dataclasses.dataclass(frozen=True)
class SubgraphReport:
    name: str
    ops: dict[str, int]
    compile_seconds: dict[str, float]
    cache_hits: int
    cache_misses: int
    disk_cache_hits: int
    failures: dict[str, str]
    ran_on_tvm: bool


@dataclasses.dataclass(frozen=True)
class Explanation:
    """The state of the plan for the most recent input shapes, plus lifetime cache counters."""

    subgraphs: list[SubgraphReport]
    ops_in_tvm: dict[str, int]
    ops_fallback: dict[str, int]
    tvm_op_share: float
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
        result["subgraph_details"] = [dataclasses.asdict(report) for report in self.subgraphs]
        return result

    def __str__(self) -> str:
        lines = [
            f"{len(self.subgraphs)} TVM subgraph(s); {self.tvm_op_share:.1%} of ops on TVM",
            f"on TVM:   {_format_ops(self.ops_in_tvm)}",
            f"fallback: {_format_ops(self.ops_fallback) or 'none'}",
            f"cache: {self.cache_hits} hit(s), {self.cache_misses} miss(es), "
            f"{self.disk_cache_hits} from disk",
        ]
        lines += [
            f"  {name}: compiled in {seconds:.2f} s"
            for name, seconds in self.compile_seconds.items()
        ]
        return "\n".join(lines)


def explain(compiled: object) -> Explanation:
    """Report on a model from compile(), or a module traced while enable() was on."""
    model = getattr(compiled, "compiled_model", compiled)
    if not isinstance(model, CompiledModel):
        raise TypeError(
            "explain() takes what torch_tvm_core.compile() returns, or a module traced "
            f"with torch.jit.trace while torch_tvm_core is enabled; got {type(compiled).__name__}"
        )
    plan = model.last_plan
    subgraphs = [_subgraph_report(runtime) for runtime in plan.subgraphs] if plan else []
    in_tvm: Counter[str] = Counter()
    fallback: Counter[str] = Counter(plan.fallback_ops if plan else {})
    for report in subgraphs:
        (in_tvm if report.ran_on_tvm else fallback).update(report.ops)
    total = sum(in_tvm.values()) + sum(fallback.values())
    every_plan = [runtime.stats for known in model.plans() for runtime in known.subgraphs]
    return Explanation(
        subgraphs=subgraphs,
        ops_in_tvm=dict(sorted(in_tvm.items())),
        ops_fallback=dict(sorted(fallback.items())),
        tvm_op_share=sum(in_tvm.values()) / total if total else 0.0,
        compile_seconds={report.name: sum(report.compile_seconds.values()) for report in subgraphs},
        capture_seconds=plan.capture_seconds if plan else 0.0,
        cache_hits=sum(stats.cache_hits for stats in every_plan),
        cache_misses=sum(stats.cache_misses for stats in every_plan),
        disk_cache_hits=sum(stats.disk_cache_hits for stats in every_plan),
        plans=len(model.plans()),
        capture_error=plan.capture_error if plan else None,
    )


def _subgraph_report(runtime: Any) -> SubgraphReport:
    stats = runtime.stats
    return SubgraphReport(
        name=runtime.name,
        ops=dict(sorted(stats.ops.items())),
        compile_seconds=dict(stats.compile_seconds),
        cache_hits=stats.cache_hits,
        cache_misses=stats.cache_misses,
        disk_cache_hits=stats.disk_cache_hits,
        failures=dict(stats.failures),
        ran_on_tvm=not stats.last_call_fell_back,
    )


def _format_ops(ops: dict[str, int]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in ops.items())
