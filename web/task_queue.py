"""Where the pages send work: any object with these methods (app.py gives its Dispatcher)."""

from __future__ import annotations

from typing import Any, Protocol


class TaskQueue(Protocol):
    """Puts work on the queue by primary key; each method says False when it could not."""

    def run_task(self, task_id: int) -> bool:
        """Queue a committed task to run."""
        ...

    def test_model(self, model_id: int, reply_to: dict[str, Any]) -> bool:
        """Queue a test call to a model; the worker records the result on the model."""
        ...
