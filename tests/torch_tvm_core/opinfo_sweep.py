"""Every operator the partitioner claims for TVM, checked against eager on PyTorch's OpInfo
samples.

A case is one OpInfo sample in one dtype. Cases are compiled many at a time: each case is
its own submodule of one program, so every ATen node says (in its nn_module_stack) which case
it belongs to, and one compile answers for all of them. A batch whose capture fails is split
until the case that cannot be captured is alone; cases in a subgraph TVM failed to build are
compiled again one by one, so each failure names its own operator.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch
from torch.utils import _pytree as pytree

import torch_tvm_core
from torch_tvm_core.partition import is_compute
from torch_tvm_core.support import op_name

FLOAT_DTYPES = (torch.float32,)
ALL_DTYPES = (torch.float32, torch.float64, torch.int64, torch.int32, torch.bool)

# Operators whose results are random or uninitialised: only shapes and dtypes can be compared.
UNCOMPARABLE_VALUES = frozenset(
    {
        "bernoulli", "cauchy", "empty", "empty_like", "empty_permuted", "empty_strided",
        "exponential", "geometric", "log_normal", "multinomial", "new_empty",
        "new_empty_strided", "normal", "rand_like", "randint", "randint_like", "randn",
        "randn_like", "uniform", "nn.functional.dropout", "nn.functional.dropout2d",
        "nn.functional.dropout3d", "nn.functional.alpha_dropout",
        "nn.functional.feature_alpha_dropout", "nn.functional.rrelu",
    }
)

# Tolerances by dtype; TVM's float code may reassociate sums and use its own transcendental
# approximations, so float32 gets more room than PyTorch's defaults.
TOLERANCES = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-7, 1e-7)}
# Per-operator tolerances (rtol, atol) where the operator amplifies rounding.
OP_TOLERANCES: dict[str, tuple[float, float]] = {
    "cumprod": (1e-3, 1e-3),
    "prod": (1e-3, 1e-3),
    "logcumsumexp": (1e-3, 1e-3),
    "nn.functional.cosine_embedding_loss": (1e-3, 1e-3),
    "nn.functional.pdist": (1e-3, 1e-3),
    "cdist": (1e-3, 1e-3),
}


@dataclasses.dataclass
class Case:
    op: str
    dtype: torch.dtype
    sample: int
    fn: Callable[..., Any]
    inputs: tuple[torch.Tensor, ...]
    expected: Any = None

    @property
    def name(self) -> str:
        return f"{self.op}[{str(self.dtype).removeprefix('torch.')}#{self.sample}]"


@dataclasses.dataclass
class Outcome:
    """pass: claimed ops ran on TVM and matched; mismatch: they ran and differ (a bug);
    capture differs: the captured program differs from eager even run in PyTorch (a
    decomposition of PyTorch's own, not TVM); build failed: claimed, TVM could not build it,
    PyTorch ran it; not claimed: nothing went to TVM; not captured: torch.export cannot
    capture the sample."""

    op: str
    dtype: str
    sample: int
    status: str
    tvm_ops: tuple[str, ...] = ()
    detail: str = ""


def op_infos(names: Iterable[str] | None = None) -> list[Any]:
    from torch.testing._internal.common_methods_invocations import op_db

    wanted = set(names) if names is not None else None
    return [info for info in op_db if wanted is None or _info_name(info) in wanted]


def _info_name(info: Any) -> str:
    return f"{info.name}.{info.variant_test_name}" if info.variant_test_name else info.name


def cases(infos: Sequence[Any], dtypes: Sequence[torch.dtype], samples: int) -> Iterator[Case]:
    """The first `samples` samples of each operator in each dtype it supports on the CPU,
    with their eager results; samples eager itself rejects are left out."""
    for info in infos:
        supported = info.supported_dtypes("cpu")
        for dtype in dtypes:
            if dtype not in supported:
                continue
            try:
                drawn = list(
                    itertools.islice(info.sample_inputs("cpu", dtype, requires_grad=False), samples)
                )
            except Exception:  # noqa: BLE001 - a sample generator that fails has no cases
                continue
            for index, sample in enumerate(drawn):
                case = _case(info, dtype, index, sample)
                if case is not None:
                    yield case


def _case(info: Any, dtype: torch.dtype, index: int, sample: Any) -> Case | None:
    leaves, spec = pytree.tree_flatten((sample.input, sample.args, sample.kwargs))
    positions = [i for i, leaf in enumerate(leaves) if isinstance(leaf, torch.Tensor)]
    if any(leaves[i].layout != torch.strided for i in positions):
        return None

    def fn(*tensors: torch.Tensor) -> Any:
        filled = list(leaves)
        for position, tensor in zip(positions, tensors, strict=True):
            filled[position] = tensor
        value, args, kwargs = pytree.tree_unflatten(filled, spec)
        return info.op(value, *args, **kwargs)

    inputs = tuple(leaves[i] for i in positions)
    try:
        with torch.no_grad():
            expected = fn(*(tensor.clone() for tensor in inputs))
    except Exception:  # noqa: BLE001 - eager rejects the sample: nothing to compare
        return None
    if not all(_is_value(leaf) for leaf in pytree.tree_leaves(expected)):
        return None
    return Case(_info_name(info), dtype, index, fn, inputs, expected)


def _is_value(leaf: object) -> bool:
    return isinstance(leaf, torch.Tensor | int | float | bool) and not (
        isinstance(leaf, torch.Tensor) and leaf.layout != torch.strided
    )


class _Batch(torch.nn.Module):
    """Each case a submodule, so the nodes it becomes carry its name."""

    def __init__(self, batch: Sequence[Case]) -> None:
        super().__init__()
        self.arity = [len(case.inputs) for case in batch]
        self.cases = torch.nn.ModuleList(_CaseModule(case.fn) for case in batch)

    def forward(self, *tensors: torch.Tensor) -> tuple[Any, ...]:
        outputs, start = [], 0
        for module, arity in zip(self.cases, self.arity, strict=True):
            outputs.append(module(*tensors[start : start + arity]))
            start += arity
        return tuple(outputs)


class _CaseModule(torch.nn.Module):
    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *tensors: torch.Tensor) -> Any:
        return self.fn(*tensors)


def run(batch: Sequence[Case], *, cache_dir: Any = None) -> list[Outcome]:
    """Compile the cases together and judge each; split or retry one by one as needed."""
    if not batch:
        return []
    inputs = tuple(tensor for case in batch for tensor in case.inputs)
    try:
        compiled = torch_tvm_core.compile(
            _Batch(batch), [tensor.clone() for tensor in inputs], min_subgraph_size=1,
            cache_dir=cache_dir,
        )
        with torch.no_grad():
            actual = compiled(*(tensor.clone() for tensor in inputs))
    except Exception as exc:  # noqa: BLE001 - eager ran these cases; the compiled model must too
        if len(batch) > 1:
            middle = len(batch) // 2
            return run(batch[:middle], cache_dir=cache_dir) + run(batch[middle:],
                                                                   cache_dir=cache_dir)
        detail = f"raised where eager did not: {type(exc).__name__}: {exc}"
        return [_outcome(batch[0], "mismatch", (), " ".join(detail.split())[:300])]
    plan = compiled.last_plan
    if plan is None or plan.capture_error is not None:
        if len(batch) == 1:
            error = plan.capture_error if plan else "no plan"
            return [_outcome(batch[0], "not captured", (), error or "")]
        middle = len(batch) // 2
        return run(batch[:middle], cache_dir=cache_dir) + run(batch[middle:], cache_dir=cache_dir)
    tvm_ops, failed_ops = _ops_by_case(plan, len(batch))
    outcomes, retry = [], []
    for index, case in enumerate(batch):
        if failed_ops[index] and len(batch) > 1:
            retry.append(case)
            continue
        outcomes.append(_judge(case, actual[index], tvm_ops[index], failed_ops[index], plan))
    return outcomes + [outcome for case in retry for outcome in run([case], cache_dir=cache_dir)]


def _ops_by_case(plan: Any, count: int) -> tuple[list[Counter[str]], list[Counter[str]]]:
    """Per case: the operators that ran on TVM, and those in subgraphs TVM failed to build."""
    ran: list[Counter[str]] = [Counter() for _ in range(count)]
    failed: list[Counter[str]] = [Counter() for _ in range(count)]
    for record in plan.subgraphs:
        target = failed if record.failure is not None else ran
        runtime = getattr(plan.graph_module, record.name)
        for node in runtime.fallback.graph.nodes:
            if is_compute(node):
                case = _case_index(node)
                if case is not None:
                    target[case][op_name(node)] += 1
    return ran, failed


def _case_index(node: torch.fx.Node) -> int | None:
    for path, _ in (node.meta.get("nn_module_stack") or {}).values():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] in ("cases", "L['self'].cases"):
            return int(parts[1])
        if path.startswith("L['self'].cases["):
            return int(path.split("[")[2].split("]")[0])
    return None


def _judge(case: Case, actual: Any, tvm_ops: Counter[str], failed_ops: Counter[str],
           plan: Any) -> Outcome:
    if failed_ops:
        failures = [record.failure for record in plan.subgraphs if record.failure is not None]
        return _outcome(case, "build failed", failed_ops, failures[0] if failures else "")
    if not tvm_ops:
        return _outcome(case, "not claimed", (), "")
    problem = _difference(case, actual)
    if problem and _capture_differs(case):
        return _outcome(case, "capture differs", tvm_ops, problem)
    return _outcome(case, "mismatch" if problem else "pass", tvm_ops, problem)


def _capture_differs(case: Case) -> bool:
    """Whether torch.export's core-ATen program, run in PyTorch without TVM, already
    differs from eager: then PyTorch's decomposition, not TVM, changed the answer."""
    from torch_tvm_core import capture

    try:
        program = capture.export_program(case.fn, [tensor.clone() for tensor in case.inputs])
        with torch.no_grad():
            captured = program.module()(*(tensor.clone() for tensor in case.inputs))
    except Exception:  # noqa: BLE001 - a program that cannot rerun is judged on TVM's answer
        return False
    return bool(_difference(case, captured))


def _difference(case: Case, actual: Any) -> str:
    expected_leaves, expected_spec = pytree.tree_flatten(case.expected)
    actual_leaves, actual_spec = pytree.tree_flatten(actual)
    if len(expected_leaves) != len(actual_leaves):
        return f"{len(actual_leaves)} outputs, eager has {len(expected_leaves)}"
    rtol, atol = OP_TOLERANCES.get(case.op, TOLERANCES.get(case.dtype, (0.0, 0.0)))
    for position, (want, got) in enumerate(zip(expected_leaves, actual_leaves, strict=True)):
        if not isinstance(want, torch.Tensor):
            if isinstance(got, torch.Tensor) and got.numel() == 1:
                got = got.item()
            if want != got and not (want != want and got != got):
                return f"output {position}: {got!r}, eager {want!r}"
            continue
        if not isinstance(got, torch.Tensor):
            return f"output {position}: {type(got).__name__}, eager a tensor"
        if got.shape != want.shape:
            return f"output {position}: shape {list(got.shape)}, eager {list(want.shape)}"
        if got.dtype != want.dtype:
            return f"output {position}: dtype {got.dtype}, eager {want.dtype}"
        if case.op in UNCOMPARABLE_VALUES:
            continue
        try:
            torch.testing.assert_close(got, want, rtol=rtol, atol=atol, equal_nan=True,
                                       check_stride=False)
        except AssertionError as exc:
            return f"output {position}: " + " ".join(str(exc).split())[:300]
    return ""


def _outcome(case: Case, status: str, ops: Iterable[str], detail: str) -> Outcome:
    return Outcome(case.op, str(case.dtype).removeprefix("torch."), case.sample, status,
                   tuple(sorted(set(ops))), detail)


def sweep(all_cases: Iterable[Case], *, batch_size: int = 24, cache_dir: Any = None,
          progress: Callable[[list[Outcome]], None] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with _quiet():
        iterator = iter(all_cases)
        while batch := list(itertools.islice(iterator, batch_size)):
            done = run(batch, cache_dir=cache_dir)
            outcomes += done
            if progress is not None:
                progress(done)
    return outcomes


@functools.cache
def _loggers() -> tuple[logging.Logger, ...]:
    return tuple(
        logging.getLogger(name)
        for name in ("torch_tvm_core.planner", "torch._export")
    )


class _quiet:
    """Fallbacks are the sweep's findings, reported in its table, not as log noise."""

    def __enter__(self) -> None:
        self._levels = [logger.level for logger in _loggers()]
        for logger in _loggers():
            logger.setLevel(logging.ERROR)
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc: object) -> None:
        self._warnings.__exit__(*exc)
        for logger, level in zip(_loggers(), self._levels, strict=True):
            logger.setLevel(level)
