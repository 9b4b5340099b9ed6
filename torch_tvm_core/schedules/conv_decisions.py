"""The decisions of a conv schedule, apart from the rule that makes them.

A tuned record is a whole trace: the decisions the tuner chose (tile chunks, columns, rows,
unrolling) and every primitive the conv rule of that day wrapped around them (the padding's
loops, the threads' split, prefetching). Replaying only the decisions through today's rule
keeps what tuning found and takes every later improvement of the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tvm import s_tir
from tvm.s_tir import meta_schedule as ms

from torch_tvm_core.schedules.conv_rule import ChooseValue, schedule_conv


@dataclasses.dataclass(frozen=True)
class Decision:
    """One categorical decision: the candidates offered and the index taken."""

    candidates: tuple[int, ...]
    index: int


def replaying(indices: Sequence[int]) -> ChooseValue:
    """A choice that takes the given candidate indices in order and records them in the trace."""
    remaining = list(indices)

    def choose(sch: s_tir.Schedule, candidates: list[int]) -> object:
        return _sample(sch, candidates, remaining.pop(0))

    return choose


def recorded_decisions(trace: s_tir.Trace) -> list[Decision]:
    """The categorical decisions of `trace`, in the order the rule made them."""
    return [
        Decision(tuple(int(c) for c in inst.attrs[0]), int(trace.decisions[inst]))
        for inst in trace.insts
        if inst.kind.name == "SampleCategorical"
    ]


class _OtherSpace(Exception):
    """Today's rule offers other candidates than the record chose among."""


def trace_to_apply(record: ms.database.TuningRecord) -> s_tir.Trace | None:
    """What a compile applies for a tuned record: its decisions replayed through today's conv
    rule; None where that rule no longer offers the candidates it chose among (it was kept
    against a default schedule that is gone, so it is not known to beat today's); its own
    trace where it is not a trace of this rule (another tuner's, or not a conv's).
    """
    if not samples_only_categories(record.trace):
        return record.trace
    remaining = recorded_decisions(record.trace)

    def choose(sch: s_tir.Schedule, candidates: list[int]) -> object:
        if not remaining or remaining[0].candidates != tuple(candidates):
            raise _OtherSpace
        return _sample(sch, candidates, remaining.pop(0).index)

    sch = s_tir.Schedule(record.workload.mod)
    try:
        if not schedule_conv(sch, record.target, choose):
            return record.trace
    except _OtherSpace:
        return None
    return None if remaining else sch.trace


def samples_only_categories(trace: s_tir.Trace) -> bool:
    """Whether every random decision of `trace` is categorical, as the conv rule's are;
    MetaSchedule's own rules also sample tiles and compute locations."""
    kinds = {inst.kind.name for inst in trace.insts if inst.kind.name.startswith("Sample")}
    return kinds <= {"SampleCategorical"}


def _sample(sch: s_tir.Schedule, candidates: list[int], index: int) -> object:
    probs = [1.0 / len(candidates)] * len(candidates)
    return sch.sample_categorical(candidates, probs, decision=index)
