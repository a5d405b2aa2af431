"""The Celery app, configured for work that waits on the network."""

from __future__ import annotations

from typing import Any

from celery import Celery

from settings import Settings

RUN_TASK = "promptdesk.run_task"
REFRESH_PERSON = "promptdesk.refresh_person"
TEST_MODEL = "promptdesk.test_model"
NOTIFY = "promptdesk.notify"
PUBLISH_HOME = "promptdesk.publish_home"


def make_celery(settings: Settings) -> Celery:
    """Build the Celery app from settings; the worker and the web process share it."""
    app = Celery("promptdesk", broker=settings.redis_url, set_as_current=False)
    app.conf.update(celery_config(settings))
    app.conf.promptdesk_settings = settings
    return app


def celery_config(settings: Settings) -> dict[str, Any]:
    """Return the configuration that makes `celery -A tasks worker` production-ready."""
    return {
        "include": ["tasks.jobs"],
        "task_default_queue": settings.celery_queue,
        "task_serializer": "json",
        "accept_content": ["json"],
        # The database is the record: Celery's results are never read.
        "task_ignore_result": True,
        "result_backend": None,
        # An LLM call waits on the network, so a thread per call, hundreds per process.
        "worker_pool": "threads",
        "worker_concurrency": settings.worker_concurrency,
        "worker_prefetch_multiplier": 1,
        # Acknowledge after the work, so a killed worker's message is delivered again.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "broker_transport_options": {
            "visibility_timeout": 3600,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
            "retry_on_timeout": True,
            "health_check_interval": 10,
        },
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "broker_connection_timeout": 2,
        "broker_pool_limit": 50,
        "broker_pool_acquire_timeout": 2,
        # Bound how long a publish may block when Redis is away: the caller keeps the
        # row PENDING and the worker's sweeper dispatches it once Redis is back.
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.4,
        },
        "worker_send_task_events": False,
        "worker_enable_remote_control": True,
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_time_limit": None,
        "worker_hijack_root_logger": True,
    }
