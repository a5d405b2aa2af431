"""What /proc says about a process: memory, CPU time, threads, children."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status_field(pid: int, name: str) -> int:
    """Return the number of a `Name:  123 kB` line of /proc/<pid>/status (0 if gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def rss_mib(pid: int) -> float:
    """Return the resident memory (VmRSS) of a process in MiB."""
    return _status_field(pid, "VmRSS") / 1024


def thread_count(pid: int) -> int:
    """Return how many threads a process has."""
    return _status_field(pid, "Threads")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a process has used."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def command_name(pid: int) -> str:
    """Return a short name of a process: its command line, else its comm."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        text = " ".join(a.decode(errors="replace") for a in args if a)
        return text[:80] or Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def every_process_cpu() -> dict[int, float]:
    """Return the CPU time of every process on the machine."""
    return {int(p.name): cpu_seconds(int(p.name)) for p in Path("/proc").glob("[0-9]*")}


def busiest(before: dict[int, float], after: dict[int, float], skip: set[int]) -> list[str]:
    """Describe the three processes (outside `skip`) that used the most CPU in between."""
    used = {pid: t - before.get(pid, 0.0) for pid, t in after.items() if pid not in skip}
    top = sorted(used.items(), key=lambda item: -item[1])[:3]
    return [f"{command_name(pid)} {seconds:.1f} s" for pid, seconds in top if seconds >= 0.1]


def children(pid: int) -> list[int]:
    """Return the direct children of a process."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """Return the CPU time of a process and its children (a gunicorn master and workers)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in children(pid))


def machine_ticks() -> tuple[int, int, int]:
    """Return (busy, stolen, total) CPU ticks of the whole machine since boot."""
    line = Path("/proc/stat").read_text().split("\n", 1)[0]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in line.split()[1:9])
    busy = user + nice + system + irq + softirq
    return busy, steal, busy + steal + idle + iowait


Ticks = tuple[int, int, int]


def tick_seconds(before: Ticks, after: Ticks, field: int) -> float:
    """Return the seconds of one machine_ticks() field between two readings."""
    return (after[field] - before[field]) / CLOCK_TICKS


def busy_share(before: Ticks, after: Ticks) -> float:
    """Return the share of all cores that was busy between two machine_ticks() readings."""
    total = after[2] - before[2]
    return (after[0] - before[0]) / total if total else 0.0


class CpuMeter:
    """Measures, over a block, the CPU used by some processes and by the whole machine."""

    def __init__(self, read: Callable[[], dict[str, float]], ours: Callable[[], set[int]]) -> None:
        self._read = read
        self._ours = ours
        self.others: list[str] = []
        self.seconds: dict[str, float] = {}
        self.busy = 0.0
        self.wall = 0.0

    def __enter__(self) -> CpuMeter:
        self._before, self._ticks = self._read(), machine_ticks()
        self._everyone = every_process_cpu()
        self._started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.monotonic() - self._started
        after, ticks = self._read(), machine_ticks()
        self.seconds = {name: after[name] - self._before[name] for name in after}
        # A process's CPU time includes what the hypervisor stole from it; /proc/stat does not.
        stolen = tick_seconds(self._ticks, ticks, 1)
        rest = tick_seconds(self._ticks, ticks, 0) + stolen - sum(self.seconds.values())
        self.seconds["rest of machine"] = max(0.0, rest)
        self.seconds["hypervisor steal"] = stolen
        self.busy = busy_share(self._ticks, ticks)
        self.others = busiest(self._everyone, every_process_cpu(), self._ours())
