"""TVM against the runtimes our users compare it with, measured as a new user would.

    .venv/bin/python benchmarks/runtimes.py resnet50 2 [--batch-size 8] [--rounds 15]
    .venv/bin/python benchmarks/runtimes.py resnet18 1,2        # one table per count + scaling

Prints one markdown table per thread count: eager, jit, tvm (default: this machine's own or
shipped-for-this-CPU tuning database if there is one), tvm untuned (default schedules), ONNX
Runtime and OpenVINO. Each round takes one sample of every backend at every thread count, in
an order that rotates from round to round, so that load from other processes hits all of them
alike; the ratio to jit and the thread scaling are medians of per-round ratios. Correctness is
the runner's gate (1e-3 of the largest eager logit, top-5 agree) with the largest difference
relative to that logit.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata

import numpy
import torch

from benchsvc.backends import get_backend
from benchsvc.models import InputShape, build_model, example_inputs
from benchsvc.runner.correctness import check
from benchsvc.runner.measure import calibrate

# Column label -> (backend name, tuning database choice).
COLUMNS: dict[str, tuple[str, bool | None]] = {
    "eager": ("eager", None),
    "jit": ("jit", None),
    "tvm default": ("tvm", None),
    "tvm untuned": ("tvm", False),
    "ort": ("ort", None),
    "openvino": ("openvino", None),
}


@dataclass
class Entry:
    label: str
    forward: object
    correctness: str
    prepare_seconds: float
    threads: int = 1
    calls: int = 0
    samples: list[float] = field(default_factory=list)


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it, with its family/model numbers (hypervisors often
    shorten the name to the vendor's brand)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or "unknown CPU"
    flags = fields.get("flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return (
        f"{fields.get('model name', 'unknown CPU')} (family {fields.get('cpu family', '?')}, "
        f"model {fields.get('model', '?')}, {isa}, {os.cpu_count()} logical CPUs)"
    )


def prepare(label: str, model: torch.nn.Module, inputs: tuple[torch.Tensor, ...],
            reference: torch.Tensor) -> Entry:
    name, tuning_db = COLUMNS[label]
    started = time.perf_counter()
    try:
        prepared = get_backend(name, tuning_db=tuning_db).prepare(model, inputs)
        with torch.no_grad():
            output = prepared.forward(*inputs)
    except Exception as error:  # noqa: BLE001 - one runtime failing must not hide the others
        print(f"{label}: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return Entry(label, None, "failed", time.perf_counter() - started)
    seconds = time.perf_counter() - started
    verdict = check(reference, output)
    scale = float(reference.abs().max())
    relative = (verdict.max_abs_diff or 0.0) / max(scale, 1e-12)
    state = "ok" if verdict.valid else "WRONG"
    return Entry(label, prepared.forward, f"{state} ({relative:.0e})", seconds)


def prepare_table(model_name: str, threads: int, shape: InputShape,
                  labels: list[str]) -> list[Entry]:
    torch.set_num_threads(threads)
    model = build_model(model_name)
    inputs = example_inputs(shape)
    with torch.no_grad():
        reference = model(*inputs)
    entries = [prepare(label, model, inputs, reference) for label in labels]
    for entry in entries:
        entry.threads = threads
    return entries


def measure(entries: list[Entry], inputs: tuple[torch.Tensor, ...], rounds: int,
            min_sample_seconds: float) -> None:
    """Sample every entry once per round, each at its own thread count, in an order that
    rotates from round to round: tables of several thread counts share their rounds, so the
    scaling between them is paired per round like the ratios within a table."""
    running = [e for e in entries if e.forward is not None]
    with torch.no_grad():
        for entry in running:
            torch.set_num_threads(entry.threads)
            call = lambda entry=entry: entry.forward(*inputs)  # noqa: E731
            for _ in range(3):
                call()
            entry.calls = calibrate(call, min_sample_seconds)
        for round_index in range(rounds):
            shift = round_index % len(running)
            for entry in running[shift:] + running[:shift]:
                torch.set_num_threads(entry.threads)
                # One untimed call lets the previous runtime's spinning workers go quiet.
                entry.forward(*inputs)
                start = time.perf_counter()
                for _ in range(entry.calls):
                    entry.forward(*inputs)
                entry.samples.append(entry.calls / (time.perf_counter() - start))


def print_table(model_name: str, threads: int, shape: InputShape, entries: list[Entry]) -> None:
    jit = next((e for e in entries if e.label == "jit" and e.samples), None)
    images = shape.batch_size > 1
    print(f"\n{model_name}, {threads} thread(s), batch {shape.batch_size}, "
          f"{shape.image_size}x{shape.image_size}, fp32, {len(entries[0].samples) or '-'} rounds")
    header = ["backend", "median it/s", "IQR"]
    header += ["images/s"] if images else []
    header += ["ratio to jit", "correctness (max diff / max logit)", "prepare s"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for entry in entries:
        if not entry.samples:
            print(f"| {entry.label} | - | - |" + (" - |" if images else "")
                  + f" - | {entry.correctness} | {entry.prepare_seconds:.1f} |")
            continue
        median = statistics.median(entry.samples)
        q1, q3 = numpy.percentile(entry.samples, [25, 75])
        ratio = (
            statistics.median(a / b for a, b in zip(entry.samples, jit.samples)) if jit else None
        )
        cells = [entry.label, f"{median:.2f}", f"{q3 - q1:.2f}"]
        cells += [f"{median * shape.batch_size:.1f}"] if images else []
        cells += [f"{ratio:.2f}x" if ratio else "-", entry.correctness,
                  f"{entry.prepare_seconds:.1f}"]
        print("| " + " | ".join(cells) + " |")
    print_goal_ratios(entries)


def paired_ratio(entry: Entry, other: Entry) -> float:
    return statistics.median(a / b for a, b in zip(entry.samples, other.samples))


def print_goal_ratios(entries: list[Entry]) -> None:
    """The ratios the speed goals are stated in: tvm default against each reference runtime
    and against its own default schedules, paired per round like the ratio to jit."""
    measured = {e.label: e for e in entries if e.samples}
    tvm = measured.get("tvm default")
    if tvm is None:
        return
    pairs = [
        f"{other} {paired_ratio(tvm, measured[other]):.2f}x"
        for other in ("ort", "openvino", "tvm untuned") if other in measured
    ]
    if pairs:
        print(f"\ntvm default, paired per round, against: {', '.join(pairs)}")


def print_scaling(model_name: str, tables: dict[int, list[Entry]]) -> None:
    """it/s at each thread count over it/s at the first, the median of the per-round ratios
    (both sampled in the same round) with their interquartile range."""
    counts = sorted(tables)
    first = counts[0]
    print(f"\n{model_name}: thread scaling (it/s at n threads / at {first}, paired per round: "
          "median [IQR])")
    print("| backend | " + " | ".join(f"{n} threads" for n in counts[1:]) + " |")
    print("|" + " --- |" * len(counts))
    for index, entry in enumerate(tables[first]):
        cells = []
        for count in counts[1:]:
            other = tables[count][index]
            if entry.samples and other.samples:
                ratios = [a / b for a, b in zip(other.samples, entry.samples)]
                q1, median, q3 = numpy.percentile(ratios, [25, 50, 75])
                cells.append(f"{median:.2f}x [{q1:.2f}-{q3:.2f}]")
            else:
                cells.append("-")
        print(f"| {entry.label} | " + " | ".join(cells) + " |")


def versions() -> str:
    names = ("torch", "apache-tvm", "onnxruntime", "openvino")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} missing")
    return ", ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("threads", help="a thread count, or a comma list (adds a scaling table)")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--min-sample-time", type=float, default=0.2)
    parser.add_argument("--backends", default=",".join(COLUMNS),
                        help=f"comma list of columns: {', '.join(COLUMNS)}")
    args = parser.parse_args()
    labels = [label.strip() for label in args.backends.split(",")]
    unknown = [label for label in labels if label not in COLUMNS]
    if unknown:
        parser.error(f"unknown column {unknown[0]!r}; choose from: {', '.join(COLUMNS)}")
    try:
        counts = [int(t) for t in args.threads.split(",")]
    except ValueError:
        parser.error(f"threads must be integers, got {args.threads!r}")
    shape = InputShape(args.batch_size, args.image_size)
    print(f"CPU: {cpu_model()}")
    print(f"software: {versions()}")
    tables = {threads: prepare_table(args.model, threads, shape, labels) for threads in counts}
    measure([e for entries in tables.values() for e in entries], example_inputs(shape),
            args.rounds, args.min_sample_time)
    for threads, entries in tables.items():
        print_table(args.model, threads, shape, entries)
    if len(counts) > 1:
        print_scaling(args.model, tables)


if __name__ == "__main__":
    main()
