"""Compiled executables kept on disk, so that a second process skips TVM's compile.

An entry is a shared library named by a digest of everything that decides its code:
the subgraph, its weights, the input specs, the target, the compiler (TVM version and
our pipeline/schedules sources), opt_level and the tuning database's content hash.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import operator
import os
import pathlib
import tempfile
from collections.abc import Callable, Iterable

import torch
import tvm
from torch import fx

from torch_tvm_core.pipeline import BuiltModule, KernelCounts
from torch_tvm_core.toolchain import Toolchain

_log = logging.getLogger(__name__)
_PACKAGE_DIR = pathlib.Path(__file__).parent


class ExecutableCache:
    """A directory of `<digest>.so` files, each with a `<digest>.json` saying how its kernels
    were scheduled; both written atomically, the description first."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory

    def path_for(self, key: str) -> pathlib.Path:
        return self.directory / f"{key}.so"

    def load(self, key: str) -> tuple[tvm.runtime.Module, KernelCounts] | None:
        path = self.path_for(key)
        if not path.is_file():
            return None
        try:
            kernels = KernelCounts(**json.loads(path.with_suffix(".json").read_text()))
            return tvm.runtime.load_module(str(path)), kernels
        except Exception as exc:  # a truncated or foreign file: recompile instead
            _log.warning("ignoring unreadable cached executable %s: %s", path, exc)
            return None

    def load_program(self, key: str) -> dict | None:
        """A program entry (program_cache.py), None where there is none or it is unreadable."""
        path = self.directory / f"{key}.program.json"
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            _log.warning("ignoring unreadable program entry %s: %s", path, exc)
            return None

    def store_program(self, key: str, entry: dict) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            text = json.dumps(entry)
            self._write(
                self.directory / f"{key}.program.json",
                ".json",
                lambda temporary: pathlib.Path(temporary).write_text(text),
            )
        except Exception as exc:  # a cache that cannot be written only costs speed
            _log.warning("could not store program entry in %s: %s", self.directory, exc)

    def store(self, key: str, built: BuiltModule) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            description = json.dumps(dataclasses.asdict(built.kernels))
            self._write(
                self.path_for(key).with_suffix(".json"),
                ".json",
                lambda temporary: pathlib.Path(temporary).write_text(description),
            )
            self._write(self.path_for(key), ".so", built.executable.export_library)
        except Exception as exc:  # a cache that cannot be written only costs speed
            _log.warning("could not store compiled executable in %s: %s", self.directory, exc)

    def _write(self, path: pathlib.Path, suffix: str, write: Callable[[str], object]) -> None:
        handle, temporary = tempfile.mkstemp(suffix=suffix, dir=self.directory)
        os.close(handle)
        try:
            write(temporary)
            os.replace(temporary, path)
        finally:
            pathlib.Path(temporary).unlink(missing_ok=True)


def cache_key(
    graph_module: fx.GraphModule, inputs: Iterable[torch.Tensor], toolchain: Toolchain
) -> str:
    tuning = toolchain.tuning
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        compiler_fingerprint(),
        str(toolchain.target),
        f"opt_level={toolchain.opt_level}",
        tuning.sha256 if tuning is not None else "no-tuning-db",
        graph_module.code,
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    for value in inputs:
        digest.update(f"{tuple(value.shape)}:{value.dtype};".encode())
    for weight in _weights(graph_module):
        digest.update(f"{tuple(weight.shape)}:{weight.dtype}".encode())
        digest.update(_tensor_bytes(weight))
    return digest.hexdigest()


@functools.cache
def compiler_fingerprint() -> str:
    """TVM and torch versions plus our own compiler sources, which change the code made."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"tvm={tvm.__version__};torch={torch.__version__}".encode())
    sources = [_PACKAGE_DIR / name for name in ("pipeline.py", "lower.py", "conversions.py")]
    sources += sorted((_PACKAGE_DIR / "schedules").rglob("*.py"))
    for source in sources:
        if source.is_file():
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _weights(graph_module: fx.GraphModule) -> list[torch.Tensor]:
    weights = []
    for node in graph_module.graph.nodes:
        if node.op == "get_attr":
            value = operator.attrgetter(node.target)(graph_module)
            if isinstance(value, torch.Tensor):
                weights.append(value)
    return weights


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    flat = tensor.detach().contiguous().reshape(-1)
    return flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
