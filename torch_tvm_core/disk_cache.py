"""Compiled executables kept on disk, so that a second process skips TVM's compile.

An entry is a shared library named by a digest of everything that decides its code:
the subgraph, its weights, the input specs, the target, the compiler (TVM version and
our pipeline/schedules sources), opt_level and the tuning database.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import operator
import os
import pathlib
import tempfile
from collections.abc import Iterable

import torch
import tvm
from torch import fx
from tvm import relax

from torch_tvm_core.settings import Settings

_log = logging.getLogger(__name__)
_PACKAGE_DIR = pathlib.Path(__file__).parent


class ExecutableCache:
    """A directory of `<digest>.so` files written atomically."""

    def __init__(self, directory: pathlib.Path) -> None:
        self.directory = directory

    def path_for(self, key: str) -> pathlib.Path:
        return self.directory / f"{key}.so"

    def load(self, key: str) -> tvm.runtime.Module | None:
        path = self.path_for(key)
        if not path.is_file():
            return None
        try:
            return tvm.runtime.load_module(str(path))
        except Exception as exc:  # a truncated or foreign file: recompile instead
            _log.warning("ignoring unreadable cached executable %s: %s", path, exc)
            return None

    def store(self, key: str, executable: relax.VMExecutable) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(suffix=".so", dir=self.directory)
            os.close(handle)
            executable.export_library(temporary)
            os.replace(temporary, self.path_for(key))
        except Exception as exc:  # a cache that cannot be written only costs speed
            _log.warning("could not store compiled executable in %s: %s", self.directory, exc)


def cache_key(
    graph_module: fx.GraphModule,
    inputs: Iterable[torch.Tensor],
    settings: Settings,
    target: tvm.target.Target,
    tuning_db: pathlib.Path | None,
) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        compiler_fingerprint(),
        str(target),
        f"opt_level={settings.opt_level}",
        _tree_digest(tuning_db) if tuning_db is not None else "no-tuning-db",
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
    sources = [_PACKAGE_DIR / "pipeline.py", _PACKAGE_DIR / "lower.py"]
    sources += sorted((_PACKAGE_DIR / "schedules").rglob("*.py"))
    for source in sources:
        if source.is_file():
            digest.update(source.read_bytes())
    return digest.hexdigest()


def _tree_digest(path: pathlib.Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
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
