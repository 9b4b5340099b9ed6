"""Backends by name. The runner asks this registry, never a backend module directly."""

from __future__ import annotations

from pathlib import Path

from benchsvc.backends.base import Backend, Forward, Prepared

# ort and openvino are the reference runtimes; they need the `benchsvc[reference]` extra.
BACKEND_NAMES: tuple[str, ...] = ("jit", "tvm", "eager", "inductor", "ort", "openvino")
DEFAULT_BACKENDS: tuple[str, ...] = ("jit", "tvm")
REFERENCE_BACKENDS: tuple[str, ...] = ("ort", "openvino")


class UnknownBackendError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown backend {name!r}; choose from: {', '.join(BACKEND_NAMES)}")


def get_backend(name: str, *, tuning_db: Path | bool | None = None) -> Backend:
    # Imported lazily so that listing or validating backends never pays for TVM's import.
    if name == "jit":
        from benchsvc.backends.jit import JitBackend

        return JitBackend()
    if name == "eager":
        from benchsvc.backends.eager import EagerBackend

        return EagerBackend()
    if name == "inductor":
        from benchsvc.backends.inductor import InductorBackend

        return InductorBackend()
    if name == "tvm":
        from benchsvc.backends.tvm import TvmBackend

        return TvmBackend(tuning_db=tuning_db)
    if name == "ort":
        from benchsvc.backends.ort import OrtBackend

        return OrtBackend()
    if name == "openvino":
        from benchsvc.backends.openvino import OpenVinoBackend

        return OpenVinoBackend()
    raise UnknownBackendError(name)


__all__ = [
    "BACKEND_NAMES",
    "DEFAULT_BACKENDS",
    "Backend",
    "Forward",
    "Prepared",
    "REFERENCE_BACKENDS",
    "UnknownBackendError",
    "get_backend",
]
