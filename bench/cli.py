"""`python -m bench`: parse options, run, print; stop everything even on Ctrl-C."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

from bench.options import parse_options
from bench.profiling import summary
from bench.report import as_json, as_text
from bench.run import run
from bench.stack import StackError


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """Turn the first SIGINT or SIGTERM into KeyboardInterrupt; let the clean-up finish."""
    for other in (signal.SIGINT, signal.SIGTERM):
        signal.signal(other, _be_patient)
    raise KeyboardInterrupt(f"signal {signum}")


def _be_patient(_signum: int, _frame: FrameType | None) -> None:
    """Keep a second Ctrl-C from leaving processes or a database behind."""
    print("stopping the stack; a moment please", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    options = parse_options(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        result = run(options)
    except KeyboardInterrupt:
        print("interrupted; everything was stopped", file=sys.stderr)
        return 130
    except StackError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    output = as_json(result) if options.json else as_text(result)
    print(output)
    if options.profile:
        print("\n" + summary(options.profile))
    if options.out:
        Path(options.out).write_text(output + "\n")
    failed = any(r.errors or r.answered < r.tasks for r in result.rounds)
    return 1 if failed else 0
