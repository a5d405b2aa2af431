"""The processes under test: schema upgrade, `gunicorn 'app:create_app()'`, one Celery worker."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.options import Options
from settings import Settings
from tasks.celery_app import make_celery

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
STOP_GRACE_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0


class StackError(RuntimeError):
    """A part of the stack did not start or misbehaved."""


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_settings(
    options: Options, slack_url: str, database_url: str, port: int, queue: str
) -> Settings:
    """Return the settings every child process is started with."""
    return Settings(
        secret_key="bench-secret-key-" + "x" * 32,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_url,
        database_url=database_url,
        redis_url=options.redis_url,
        port=port,
        public_url=f"http://127.0.0.1:{port}",
        allow_private_model_urls=True,
        worker_concurrency=options.worker_concurrency,
        celery_queue=queue,
        db_pool_size=options.db_pool_size,
    )


def child_env(settings: Settings) -> dict[str, str]:
    """Return PATH and the like plus the promptdesk environment of the settings."""
    passed = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
    return {**passed, "PYTHONPATH": str(ROOT), **settings.to_env()}


def require_redis(url: str) -> None:
    """Fail early, with a hint, when Redis does not answer."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        raise StackError(f"Redis does not answer at {url}: start it (make redis)") from error


def forget_queue(settings: Settings) -> None:
    """Delete this run's queue keys from Redis."""
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2)
    try:
        queue = settings.celery_queue
        client.delete(queue, f"_kombu.binding.{queue}")
    except redis.RedisError:
        pass
    finally:
        client.close()


def upgrade_schema(settings: Settings) -> None:
    """Run `python -m db upgrade` with the run's environment."""
    command = [sys.executable, "-m", "db", "upgrade"]
    done = subprocess.run(
        command, cwd=ROOT, env=child_env(settings), capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise StackError("python -m db upgrade failed:\n" + done.stderr[-3000:])


@dataclass
class Child:
    """A child process in its own session, with its output in a log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Tell whether the process still runs."""
        return self.process.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        """Return the end of what the process printed."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def log_size(self) -> int:
        """Return how many bytes the process has logged so far."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def warnings_since(self, offset: int) -> list[str]:
        """Return the WARNING / ERROR / Traceback lines logged after an offset."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        keys = ("WARNING", "ERROR", "CRITICAL", "Traceback")
        return [line for line in text.splitlines() if any(key in line for key in keys)]

    def check_alive(self) -> None:
        """Raise with the log if the process has ended."""
        if not self.alive():
            raise StackError(f"{self.name} exited ({self.process.returncode}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL it if it lingers."""
        if self.alive():
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=STOP_GRACE_SECONDS)
        # Leftovers of the group (gunicorn workers) go too.
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)


def spawn(name: str, command: list[str], settings: Settings, tmp: Path) -> Child:
    """Start a command from the repository root, logging to a file in the temp dir."""
    log_path = tmp / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env(settings),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(name, process, log_path)


def start_worker(settings: Settings, tmp: Path) -> Child:
    """Start `celery -A tasks worker`: the project's configuration, no other flags."""
    command = [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--loglevel=WARNING"]
    return spawn("worker", command, settings, tmp)


def start_web(settings: Settings, options: Options, tmp: Path) -> Child:
    """Start `gunicorn 'app:create_app()'` with the recommended worker model."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "app:create_app()",
        f"--bind=127.0.0.1:{settings.port}",
        f"--workers={options.web_workers}",
        "--worker-class=gthread",
        f"--threads={options.web_threads}",
        "--log-level=warning",
    ]
    return spawn("gunicorn", command, settings, tmp)


def wait_healthy(web: Child, port: int, timeout: float = READY_TIMEOUT_SECONDS) -> None:
    """Wait until GET /healthz answers 200."""
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        web.check_alive()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise StackError("gunicorn did not answer /healthz with 200:\n" + web.log_tail())


def worker_task_counts(settings: Settings) -> Counter[str]:
    """Return how many messages of each task name the bench's worker has run (remote control)."""
    app = make_celery(settings)
    node = f"celery@{socket.gethostname()}"
    try:
        stats = app.control.inspect(destination=[node], timeout=3).stats() or {}
    except Exception:  # noqa: BLE001 - a statistic, never a reason to fail the run
        return Counter()
    finally:
        app.close()
    return Counter(stats.get(node, {}).get("total", {}))
