"""How much of the machine a timed block had: our CPU time, and the host's steal time.

A sample is timed while other tenants and processes share the cores. Two signs show it: the
process got less CPU time than its threads could have used (cpu_share below 1), and the
hypervisor gave the virtual CPUs' time to someone else (steal in /proc/stat).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from benchsvc.domain import Interference

PROC_STAT = Path("/proc/stat")
# Below this share of (wall time x threads) the timed threads were kept off their cores for a
# sizeable part of a sample: a 2-thread run sharing one core with another busy process gets ~0.5-0.7.
NOISY_BELOW_CPU_SHARE = 0.85
# Above this fraction of the host's time stolen by the hypervisor, timings are not the machine's own.
NOISY_ABOVE_STEAL = 0.05


def host_ticks(path: Path = PROC_STAT) -> tuple[int, int] | None:
    """(steal, total) jiffies of all CPUs, or None where /proc/stat cannot be read."""
    try:
        fields = path.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is inside user.
    ticks = [int(value) for value in fields[1:9]]
    return ticks[7], sum(ticks)


@dataclass
class InterferenceMeter:
    """Accumulates CPU, wall and steal over the windows a backend was timed in."""

    threads: int
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    steal_ticks: int = 0
    total_ticks: int = 0
    steal_readable: bool = True
    _start: tuple[float, float, tuple[int, int] | None] | None = field(default=None, repr=False)

    def start(self) -> None:
        self._start = (time.perf_counter(), time.process_time(), host_ticks())

    def stop(self) -> None:
        if self._start is None:
            raise RuntimeError("stop() without start()")
        wall, cpu, ticks = self._start
        self._start = None
        self.wall_seconds += time.perf_counter() - wall
        self.cpu_seconds += time.process_time() - cpu
        after = host_ticks()
        if ticks is None or after is None:
            self.steal_readable = False
            return
        self.steal_ticks += after[0] - ticks[0]
        self.total_ticks += after[1] - ticks[1]

    def interference(self) -> Interference:
        capacity = self.wall_seconds * self.threads
        steal = None
        if self.steal_readable and self.total_ticks > 0:
            steal = min(max(self.steal_ticks / self.total_ticks, 0.0), 1.0)
        return Interference(
            cpu_share=self.cpu_seconds / capacity if capacity > 0 else 0.0, steal_fraction=steal
        )


def is_noisy(interference: Interference) -> bool:
    stolen = interference.steal_fraction is not None and interference.steal_fraction > NOISY_ABOVE_STEAL
    return stolen or interference.cpu_share < NOISY_BELOW_CPU_SHARE
