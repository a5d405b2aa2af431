"""Optional sampling profiles of the worker and the web server during the measured rounds.

`--profile DIR` runs `py-spy record --gil --format raw` (install it with `pip install
py-spy`) on each process; the collapsed stacks land in DIR, one file per process, and a
summary of the hottest frames is printed.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

SAMPLE_RATE = 200
TOP_FRAMES = 25


@contextlib.contextmanager
def profiled(pids: dict[str, int], out_dir: str | None) -> Iterator[None]:
    """Sample the processes while the block runs (does nothing without an out_dir)."""
    if out_dir is None:
        yield
        return
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise RuntimeError("--profile needs py-spy on PATH (pip install py-spy)")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    recorders = [_record(py_spy, pid, folder / f"{name}.txt") for name, pid in pids.items()]
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)
        for recorder in recorders:
            with contextlib.suppress(subprocess.TimeoutExpired):
                recorder.wait(timeout=30)


def _record(py_spy: str, pid: int, output: Path) -> subprocess.Popen[bytes]:
    """Start py-spy on one process, counting only the thread that holds the GIL."""
    command = [py_spy, "record", "--pid", str(pid), "--gil", "--nonblocking", "--subprocesses"]
    command += ["--rate", str(SAMPLE_RATE), "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def hottest(raw: Path, top: int = TOP_FRAMES) -> list[tuple[str, float]]:
    """Return the frames most often on the stack (inclusive share of the samples)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame] += int(count)
    return [(frame, n / total) for frame, n in inclusive.most_common(top)] if total else []


def summary(out_dir: str) -> str:
    """Return the hottest frames of every profile in a folder."""
    lines = []
    for raw in sorted(Path(out_dir).glob("*.txt")):
        lines.append(f"hottest frames in {raw.name} (share of GIL-holding samples):")
        lines += [f"  {share:6.1%}  {frame}" for frame, share in hottest(raw)]
    return "\n".join(lines)
