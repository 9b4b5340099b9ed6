"""What the schedules need to know about the target CPU: its SIMD unit and which CPU it is."""

from __future__ import annotations

import dataclasses
import functools
import platform
import re

from tvm.target import Target, codegen


def has_avx512(target: Target) -> bool:
    return bool(codegen.target_has_features("avx512f", target))


def simd_lanes(target: Target) -> int:
    """float32 lanes of one vector register."""
    if has_avx512(target):
        return 16
    if codegen.target_has_features("avx2", target):
        return 8
    return 4


def vector_registers(target: Target) -> int:
    return 32 if has_avx512(target) else 16


MAX_ACCUMULATORS = 14


def accumulator_budget(oc_tile_vectors: int, target: Target) -> int:
    """Vectors free for accumulators beside the weight vectors, one broadcast input and one
    spare register (with none spare, LLVM spills the tile: measured on AVX2).

    Capped at 14: on AVX-512, 28-accumulator tiles ran 1.3-2.6x slower than 14-accumulator
    ones on every ResNet-18 conv although they fit the 32 registers (Intel Xeon), and
    2.2-3.3x slower on ResNeXt-50's 1x1 convs (AMD EPYC Zen 4).
    """
    return min(vector_registers(target) - 2 - oc_tile_vectors, MAX_ACCUMULATORS)


def isa_level(target: Target) -> str:
    if has_avx512(target):
        return "avx512"
    if codegen.target_has_features("avx2", target):
        return "avx2"
    return "generic"


@dataclasses.dataclass(frozen=True)
class CpuIdentity:
    """The CPU a tuning record was measured on.

    model: the name the CPU reports (/proc/cpuinfo "model name"); hypervisors often shorten
        it to the brand ("AMD EPYC"), so llvm_cpu tells the microarchitecture apart.
    llvm_cpu: LLVM's name for the microarchitecture the code is compiled for (znver3, ...).
    isa: the vector ISA level the schedules use (avx512, avx2, generic).
    """

    model: str
    llvm_cpu: str
    isa: str

    @property
    def key(self) -> str:
        """A directory name: `amd-epyc-znver3-avx2`."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.model.lower()).strip("-") or "unknown-cpu"
        return f"{slug}-{self.llvm_cpu or 'generic'}-{self.isa}"


def cpu_identity(target: Target) -> CpuIdentity:
    """This host's CPU, as compiled for by `target`."""
    return CpuIdentity(host_cpu_model(), str(target.attrs.get("mcpu", "")), isa_level(target))


@functools.lru_cache(maxsize=1)
def host_cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return " ".join(value.split())
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
