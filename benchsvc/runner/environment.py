"""What a result was measured on: the machine, the software, the code under test."""

from __future__ import annotations

import platform
import socket
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import cpuinfo
import psutil

import benchsvc
from benchsvc.domain import Commit, Machine, Software

# The instruction-set extensions that decide which kernels oneDNN and TVM can use.
RELEVANT_FLAGS = frozenset(
    {"avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd",
     "avx512_vnni", "avx512vnni", "avx512_bf16", "avx512bf16", "amx_bf16", "amx_int8", "amx_tile",
     "sse4_2", "neon", "asimd", "sve"}
)


@lru_cache(maxsize=1)
def current_machine() -> Machine:
    info = cpuinfo.get_cpu_info()
    flags = sorted(RELEVANT_FLAGS.intersection(info.get("flags", [])))
    return Machine(
        hostname=socket.gethostname() or "unknown",
        cpu_model=info.get("brand_raw") or platform.processor() or "unknown",
        cpu_flags=flags,
        cores=psutil.cpu_count(logical=True) or 1,
        memory_bytes=psutil.virtual_memory().total,
        os=f"{platform.system()} {platform.release()}",
    )


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def current_software() -> Software:
    return Software(
        python=platform.python_version(),
        torch=package_version("torch") or "unknown",
        torchvision=package_version("torchvision") or "unknown",
        tvm=package_version("apache-tvm"),
        benchsvc=benchsvc.__version__,
    )


def current_commit(directory: Path | None = None) -> Commit | None:
    """The git commit of the code under test, when the working directory is a checkout."""
    cwd = directory or Path.cwd()

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() or None

    sha = git("rev-parse", "HEAD")
    if sha is None:
        return None
    branch = git("rev-parse", "--abbrev-ref", "HEAD")
    return Commit(
        repo=git("config", "--get", "remote.origin.url"),
        sha=sha,
        branch=None if branch == "HEAD" else branch,
    )


def default_threads() -> int:
    return psutil.cpu_count(logical=True) or 1
