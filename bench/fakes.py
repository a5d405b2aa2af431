"""The loopback stand-ins of Slack and of the LLM endpoint, from the test suite."""

from __future__ import annotations

import contextlib
import socketserver
import sys
from collections.abc import Iterator
from typing import Any

from tests.fakes.llm_server import FakeLLM
from tests.fakes.slack_api import FakeSlack

QUIET_ERRORS = (ConnectionResetError, BrokenPipeError)


def _quiet_resets(fake: FakeSlack | FakeLLM) -> None:
    """Keep peers hanging up (a worker stopping) out of the output; show anything else."""
    server: socketserver.BaseServer | None = getattr(fake, "_server", None)
    if server is None:
        return
    loud = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], QUIET_ERRORS):
            loud(request, client_address)

    server.handle_error = handle_error  # type: ignore[method-assign]


@contextlib.contextmanager
def running_fakes() -> Iterator[tuple[FakeSlack, FakeLLM]]:
    """Start FakeSlack and FakeLLM on loopback; stop them afterwards."""
    with FakeSlack() as slack, FakeLLM() as llm:
        _quiet_resets(slack)
        _quiet_resets(llm)
        yield slack, llm
