"""The torchvision classification zoo through torch_tvm_core, one model per process.

    nice -n 10 .venv/bin/python benchmarks/zoo.py --models resnet18,mobilenet_v2 \
        --image-size 224 --timeout 900 > zoo.log

Every model runs in its own process with a fresh, empty compile cache and random weights
(nothing is downloaded); a second process then compiles it again from that warm cache.
Prints one Markdown table row per model:
- compile: seconds for torch_tvm_core.compile() with an empty cache, split by stage
  (capture, partition, lower, schedule, build, as explain() reports them), and with a warm
  cache in a second process;
- tvm flops, tvm ops: explain()'s coverage (the share of the model's FLOPs that ran on TVM)
  and the share of ATen operators;
- max rel err: max |tvm - eager| / max |eager| over the logits;
- top-5: whether the five highest logits are the same classes as eager's;
- tvm/eager, tvm/jit: median of per-round speed ratios, eager (no_grad), TorchScript
  (trace + freeze + optimize_for_inference) and TVM timed in alternating rounds.
A model that fails or runs past --timeout gets a row saying so.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable

DEFAULT_MODELS = "resnet18,mobilenet_v2,efficientnet_b0,vit_b_16,swin_t"
_RESULT_PREFIX = "ZOO_RESULT "


@dataclasses.dataclass
class ModelResult:
    model: str
    image_size: int
    compile_s: float | None = None
    warm_compile_s: float | None = None
    tvm_flop_share: float | None = None
    tvm_op_share: float | None = None
    max_rel_err: float | None = None
    top5_equal: bool | None = None
    tvm_vs_eager: float | None = None
    tvm_vs_jit: float | None = None
    stage_seconds: dict[str, float] = dataclasses.field(default_factory=dict)
    subgraphs: int | None = None
    failures: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None


def _alternating_rounds(calls: dict[str, Callable[[], object]], rounds: int,
                       per_round: int) -> dict[str, list[float]]:
    """Seconds per call of each, round by round, alternating so load hits all alike."""
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            for _ in range(per_round):
                call()
            seconds[name].append((time.perf_counter() - started) / per_round)
    return seconds


def measure(name: str, image_size: int, cache_dir: pathlib.Path, rounds: int,
            warm_only: bool, threads: int) -> ModelResult:
    import torch
    import torchvision

    import torch_tvm_core

    torch.set_num_threads(threads)

    result = ModelResult(model=name, image_size=image_size)
    torch.manual_seed(0)
    model = torchvision.models.get_model(name, weights=None, num_classes=1000).eval()
    _randomize_zero_layers(model)
    image = torch.randn(1, 3, image_size, image_size)
    started = time.perf_counter()
    compiled = torch_tvm_core.compile(model, (image,), cache_dir=cache_dir)
    seconds = time.perf_counter() - started
    report = torch_tvm_core.explain(compiled)
    if warm_only:
        result.warm_compile_s = seconds
        return result
    result.compile_s = seconds
    result.tvm_op_share = report.tvm_op_share
    result.tvm_flop_share = report.coverage if report.coverage_basis == "flops" else None
    result.stage_seconds = dict(report.stage_seconds)
    result.subgraphs = len(report.subgraphs)
    result.failures = [
        f"{sub.name}: {sub.failure}" for sub in report.subgraphs if sub.failure is not None
    ]
    if report.capture_error:
        result.failures.append(f"capture: {report.capture_error}")
    with torch.no_grad():
        expected = model(image)
        actual = compiled(image)
        result.max_rel_err = float((actual - expected).abs().max() / expected.abs().max())
        classes = [logits.topk(5).indices.sort().values for logits in (expected, actual)]
        result.top5_equal = bool(torch.equal(*classes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            jit = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, image)))
        calls = {
            "eager": lambda: model(image),
            "jit": lambda: jit(image),
            "tvm": lambda: compiled(image),
        }
        for call in calls.values():
            call()
        seconds = _alternating_rounds(calls, rounds, _calls_per_round(calls["tvm"]))
        tvm_s = seconds["tvm"]
        result.tvm_vs_eager = statistics.median(e / t for e, t in zip(seconds["eager"], tvm_s))
        result.tvm_vs_jit = statistics.median(j / t for j, t in zip(seconds["jit"], tvm_s))
    return result


def _randomize_zero_layers(model: object) -> None:
    """Some classifiers start with a zero head (ViT): all-zero logits would make the error
    and top-5 comparisons meaningless."""
    import torch

    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear) and not module.weight.any():
                module.weight.normal_(0, 0.02)


def _calls_per_round(call: Callable[[], object]) -> int:
    """Enough calls for a round of about a quarter of a second."""
    started = time.perf_counter()
    call()
    return max(1, min(50, int(0.25 / max(time.perf_counter() - started, 1e-6))))


def _child(args: argparse.Namespace) -> None:
    result = measure(args.one, args.image_size, pathlib.Path(args.cache_dir), args.rounds,
                     args.warm_only, args.threads)
    print(_RESULT_PREFIX + json.dumps(dataclasses.asdict(result)), flush=True)


def _run_child(name: str, args: argparse.Namespace, cache_dir: str, warm_only: bool,
               log: pathlib.Path) -> ModelResult:
    command = [
        sys.executable, __file__, "--one", name, "--image-size", str(args.image_size),
        "--cache-dir", cache_dir, "--rounds", str(args.rounds), "--threads", str(args.threads),
    ] + (["--warm-only"] if warm_only else [])
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log.open("a") as output:
        try:
            process = subprocess.run(command, stdout=subprocess.PIPE, stderr=output, text=True,
                                     timeout=args.timeout, env=env)
        except subprocess.TimeoutExpired:
            return ModelResult(model=name, image_size=args.image_size,
                               error=f"timed out after {args.timeout} s")
    for line in process.stdout.splitlines():
        if line.startswith(_RESULT_PREFIX):
            return ModelResult(**json.loads(line[len(_RESULT_PREFIX):]))
    return ModelResult(model=name, image_size=args.image_size,
                       error=f"exit status {process.returncode}; see {log}")


def _cpu_model() -> str:
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table_row(result: ModelResult) -> str:
    if result.error:
        return f"| {result.model} | {result.image_size} | {result.error} |" + " |" * 8
    top5 = "-" if result.top5_equal is None else ("yes" if result.top5_equal else "NO")
    stages = " / ".join(f"{seconds:.0f}" for seconds in result.stage_seconds.values()) or "-"
    return (
        f"| {result.model} | {result.image_size} | {_fmt(result.compile_s, '.1f')} "
        f"| {stages} | {_fmt(result.warm_compile_s, '.1f')} | {_fmt(result.tvm_flop_share, '.1%')} "
        f"| {_fmt(result.tvm_op_share, '.1%')} | {_fmt(result.max_rel_err, '.1e')} | {top5} "
        f"| {_fmt(result.tvm_vs_eager, '.2f')} | {_fmt(result.tvm_vs_jit, '.2f')} |"
    )


HEADER = (
    "| model | size | compile s | capture / partition / lower / schedule / build s | warm s "
    "| tvm flops | tvm ops | max rel err | top-5 | tvm/eager | tvm/jit |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=DEFAULT_MODELS,
                        help="comma-separated torchvision model names, or 'all'")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per model process")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for PyTorch and TVM alike")
    parser.add_argument("--log", default="zoo_children.log", help="children's stderr")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--warm-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        _child(args)
        return
    if args.models == "all":
        import torchvision

        names = torchvision.models.list_models(module=torchvision.models)
    else:
        names = args.models.split(",")
    log = pathlib.Path(args.log)
    print(f"CPU: {_cpu_model()}, {os.cpu_count()} cores, {args.threads} thread(s); image "
          f"{args.image_size}x{args.image_size}, batch 1, random weights", flush=True)
    print(HEADER, flush=True)
    for name in names:
        with tempfile.TemporaryDirectory(prefix="zoo-cache-") as cache_dir:
            result = _run_child(name, args, cache_dir, False, log)
            if result.error is None:
                warm = _run_child(name, args, cache_dir, True, log)
                result.warm_compile_s = warm.warm_compile_s
        print(table_row(result), flush=True)
        for failure in result.failures:
            print(f"  {name}: fell back: {failure[:300]}", flush=True)


if __name__ == "__main__":
    main()
