"""The web pages, through Flask's test client with a real sign-in on a fresh database."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from db.keys import KeyBox
from db.migrate import upgrade
from db.models import LlmModel, Person, SignInToken, Task, TaskStatus
from db.queries import create_sign_in_token
from db.session import make_engine, make_session_factory
from settings import Settings
from tests.stack import create_postgres_database, drop_postgres_database
from web import init_web

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
FAKE_CIPHERTEXT = "gAAAA-fake-ciphertext"
PLAIN_KEY = "sk-plain-secret-key-abcd"
T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
PAGE_PATHS = ["/tasks", "/tasks/1", "/models", "/people"]


@dataclass
class HealthStub:
    """Stands in for the Redis probe app.py passes to init_web."""

    answer: dict[str, str] = field(default_factory=lambda: {"redis": "ok"})
    fails: bool = False

    def __call__(self) -> dict[str, str]:
        if self.fails:
            raise ConnectionError("redis is down")
        return self.answer


@dataclass
class RecordingQueue:
    """Stands in for tasks.dispatch.Dispatcher: records what was queued, answers `accepts`."""

    accepts: bool = True
    started: list[int] = field(default_factory=list)
    tested: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def run_task(self, task_id: int) -> bool:
        self.started.append(task_id)
        return self.accepts

    def test_model(self, model_id: int, reply_to: dict[str, Any]) -> bool:
        self.tested.append((model_id, reply_to))
        return self.accepts


@dataclass
class Site:
    """A Flask app with the web pages on its own database."""

    app: flask.Flask
    sessions: sessionmaker[Session]
    engine: Engine
    health: HealthStub
    queue: RecordingQueue

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def add_person(
        self, name: str = "Ada Lovelace", user_id: str = "U111", is_admin: bool = False
    ) -> int:
        with self.sessions.begin() as db:
            person = Person(slack_user_id=user_id, slack_team_id="T1", name=name, is_admin=is_admin)
            db.add(person)
            db.flush()
            return person.id

    def sign_in_token(self, person_id: int, lifetime: timedelta = timedelta(minutes=10)) -> str:
        with self.sessions.begin() as db:
            person = db.get(Person, person_id)
            assert person is not None
            return create_sign_in_token(db, person, lifetime)

    def add_model(self, name: str = "qwen", maintainer_id: int | None = None) -> int:
        with self.sessions.begin() as db:
            model = LlmModel(
                name=name,
                base_url="https://llm.example/v1",
                provider_model=f"{name}-plus",
                api_key_encrypted=FAKE_CIPHERTEXT,
                api_key_hint="sk-…abcd",
                timeout_seconds=90,
                maintainer_id=maintainer_id,
            )
            db.add(model)
            db.flush()
            return model.id

    def add_task(self, creator_id: int | None, model_name: str = "qwen", **values: object) -> int:
        with self.sessions.begin() as db:
            task = Task(
                name=values.pop("name", "a task"),
                creator_id=creator_id,
                prompt=values.pop("prompt", "What is a monad?"),
                model_name=model_name,
                status=values.pop("status", TaskStatus.PENDING),
                created_at=values.pop("created_at", T0),
                **values,
            )
            db.add(task)
            db.flush()
            return task.id

    def add_tasks(self, count: int, creator_id: int) -> None:
        with self.sessions.begin() as db:
            for number in range(1, count + 1):
                db.add(
                    Task(
                        name=f"task number {number}",
                        creator_id=creator_id,
                        prompt=f"prompt {number}",
                        model_name="qwen",
                        created_at=T0 + timedelta(minutes=number),
                    )
                )


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[Site]:
    """The web pages on a fresh SQLite database."""
    site = build_site(tmp_path, Settings(secret_key="test-secret"))
    yield site
    site.engine.dispose()


def build_site(tmp_path: Path, settings: Settings, database_url: str | None = None) -> Site:
    """Build an app with the web pages on a new, upgraded database (SQLite unless given)."""
    settings = settings.with_changes(database_url=database_url or f"sqlite:///{tmp_path}/t.db")
    engine = make_engine(settings.database_url, pool_size=2)
    upgrade(engine)
    sessions = make_session_factory(engine)
    health = HealthStub()
    queue = RecordingQueue()
    app = flask.Flask(__name__)
    app.testing = True
    init_web(app, settings, sessions, health=health, queue=queue)
    return Site(app, sessions, engine, health, queue)


def form_token(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def signed_in(site: Site, person_id: int) -> FlaskClient:
    """Return a client that went through the real sign-in."""
    client = site.client()
    token = site.sign_in_token(person_id)
    page = client.get(f"/signin/{token}").get_data(as_text=True)
    response = client.post(f"/signin/{token}", data={"csrf_token": form_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture()
def ada_id(site: Site) -> int:
    """The id of a person who has used promptdesk from Slack."""
    return site.add_person()


@pytest.fixture()
def client(site: Site, ada_id: int) -> FlaskClient:
    """A browser signed in as Ada."""
    return signed_in(site, ada_id)


def text_of(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def task_ids_listed(html: str) -> list[int]:
    """Return the ids of the task rows in the order the page shows them."""
    return [int(found) for found in re.findall(r'<td class="num"><a href="/tasks/(\d+)">', html)]


def token_used(site: Site) -> bool:
    """Tell whether the only sign-in token in the database was spent."""
    with site.sessions() as db:
        return db.scalars(select(SignInToken)).one().used_at is not None


# Sign-in ---------------------------------------------------------------------


def test_sign_in_link_shows_a_form_and_does_not_spend_the_token(site: Site, ada_id: int) -> None:
    token = site.sign_in_token(ada_id)
    client = site.client()

    first = client.get(f"/signin/{token}")
    again = client.get(f"/signin/{token}")

    assert first.status_code == again.status_code == 200
    assert "Sign in as Ada Lovelace" in text_of(first)
    assert '<form method="post"' in text_of(first)
    assert not token_used(site)


def test_posting_the_form_signs_in_once(site: Site, ada_id: int) -> None:
    token = site.sign_in_token(ada_id)
    client = site.client()
    csrf = form_token(text_of(client.get(f"/signin/{token}")))

    response = client.post(f"/signin/{token}", data={"csrf_token": csrf})

    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"
    assert client.get("/tasks").status_code == 200
    assert token_used(site)
    # A second try with the same link fails, even with a valid CSRF token.
    csrf = form_token(text_of(client.get("/tasks")))
    second = client.post(f"/signin/{token}", data={"csrf_token": csrf})
    assert second.status_code == 400
    assert "already used or has expired" in text_of(second)
    assert "/task web" in text_of(client.get(f"/signin/{token}"))


def test_an_expired_or_unknown_link_does_not_sign_in(site: Site, ada_id: int) -> None:
    token = site.sign_in_token(ada_id, lifetime=timedelta(seconds=-1))
    client = site.client()

    for link in (f"/signin/{token}", "/signin/no-such-token"):
        page = client.get(link)
        assert page.status_code == 400
        assert "already used or has expired" in text_of(page)
        csrf = form_token(text_of(client.get(f"/signin/{site.sign_in_token(ada_id)}")))
        assert client.post(link, data={"csrf_token": csrf}).status_code == 400
    assert client.get("/tasks").status_code == 401


def test_sign_in_needs_the_csrf_token_of_the_page(site: Site, ada_id: int) -> None:
    token = site.sign_in_token(ada_id)
    client = site.client()
    client.get(f"/signin/{token}")

    response = client.post(f"/signin/{token}", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert "Reload the page" in text_of(response)
    assert not token_used(site)


@pytest.mark.parametrize(
    ("next_path", "location"),
    [
        ("/tasks/7?x=1", "/tasks/7?x=1"),
        ("//evil.example/", "/tasks"),
        ("https://evil.example/", "/tasks"),
        ("/\\evil.example", "/tasks"),
    ],
)
def test_sign_in_goes_only_to_local_next_paths(
    site: Site, ada_id: int, next_path: str, location: str
) -> None:
    token = site.sign_in_token(ada_id)
    client = site.client()
    csrf = form_token(text_of(client.get(f"/signin/{token}")))

    response = client.post(f"/signin/{token}", data={"csrf_token": csrf, "next": next_path})

    assert response.headers["Location"] == location


def test_sign_in_starts_a_fresh_session(site: Site, ada_id: int) -> None:
    client = site.client()
    with client.session_transaction() as planted:
        planted["csrf_token"] = "planted-by-someone-else"
        planted["person_id"] = 999
    token = site.sign_in_token(ada_id)
    csrf = form_token(text_of(client.get(f"/signin/{token}")))

    client.post(f"/signin/{token}", data={"csrf_token": csrf})

    with client.session_transaction() as current:
        assert current["person_id"] == ada_id
        assert current.get("csrf_token") != "planted-by-someone-else"


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_pages_need_sign_in(site: Site, path: str) -> None:
    response = site.client().get(path)

    assert response.status_code == 401
    assert "/task web" in text_of(response)


def test_a_session_ends_after_its_lifetime(site: Site, client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["signed_in_at"] = int(time.time()) - 13 * 3600

    assert client.get("/tasks").status_code == 401


def test_a_removed_person_is_signed_out(site: Site, ada_id: int, client: FlaskClient) -> None:
    with site.sessions.begin() as db:
        db.delete(db.get(Person, ada_id))

    assert client.get("/tasks").status_code == 401


def test_sign_out_needs_the_csrf_token(site: Site, client: FlaskClient) -> None:
    assert client.post("/signout").status_code == 400
    assert client.post("/signout", data={"csrf_token": "wrong"}).status_code == 400
    assert client.get("/tasks").status_code == 200

    csrf = form_token(text_of(client.get("/tasks")))
    response = client.post("/signout", data={"csrf_token": csrf})

    assert response.status_code == 200
    assert "signed out" in text_of(response)
    assert client.get("/tasks").status_code == 401


def test_session_cookie_flags(site: Site, ada_id: int) -> None:
    client = signed_in(site, ada_id)
    cookie = client.get_cookie("promptdesk_session")

    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure


def test_session_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    settings = Settings(secret_key="test-secret", public_url="https://promptdesk.example")
    site = build_site(tmp_path, settings)
    try:
        client = signed_in(site, site.add_person())
        cookie = client.get_cookie("promptdesk_session")
    finally:
        site.engine.dispose()

    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_the_cookie_is_not_signed_with_the_secret_key_itself(site: Site, ada_id: int) -> None:
    assert site.app.secret_key not in (None, "test-secret")


# Tasks -----------------------------------------------------------------------


def test_task_list_shows_newest_first_with_the_columns(
    site: Site, ada_id: int, client: FlaskClient
) -> None:
    site.add_model()
    long_prompt = "Explain " + "very " * 40 + "slowly"
    older = site.add_task(ada_id, name="older one", created_at=T0)
    newer = site.add_task(
        ada_id,
        name="newer one",
        prompt=long_prompt,
        status=TaskStatus.SUCCESS,
        created_at=T0 + timedelta(hours=1),
        started_at=T0 + timedelta(hours=1),
        finished_at=T0 + timedelta(hours=1, seconds=42),
        total_tokens=1234,
    )

    html = text_of(client.get("/tasks"))

    assert task_ids_listed(html) == [newer, older]
    headers = re.findall(r"<th>([^<]+)</th>", html)
    assert headers == [
        "#",
        "Name",
        "Created (UTC)",
        "Creator",
        "Prompt",
        "Model",
        "Status",
        "Duration",
        "Tokens",
    ]
    assert "2024-05-01 10:30" in html and "2024-05-01 09:30" in html
    assert "Ada Lovelace" in html and "qwen" in html
    assert '<span class="badge badge-success">SUCCESS</span>' in html
    assert "42 s" in html and "1,234" in html
    assert long_prompt not in html
    assert long_prompt[:60] in html and "…" in html
    assert f'href="/tasks/{newer}"' in html


def test_task_list_paginates_by_fifty(site: Site, ada_id: int, client: FlaskClient) -> None:
    site.add_tasks(120, ada_id)

    first = text_of(client.get("/tasks"))
    second = text_of(client.get("/tasks?page=2"))
    third = text_of(client.get("/tasks?page=3"))

    assert task_ids_listed(first) == list(range(120, 70, -1))
    assert task_ids_listed(second) == list(range(70, 20, -1))
    assert task_ids_listed(third) == list(range(20, 0, -1))
    assert "Page 1 of 3" in first and "Page 2 of 3" in second and "Page 3 of 3" in third
    assert 'href="/tasks?page=1"' in second and 'href="/tasks?page=3"' in second
    assert 'rel="prev"' not in first and 'rel="next"' not in third


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999999", "2.5"])
def test_a_bad_page_number_never_breaks_the_list(
    site: Site, ada_id: int, client: FlaskClient, page: str
) -> None:
    site.add_tasks(60, ada_id)

    response = client.get("/tasks", query_string={"page": page})

    assert response.status_code == 200
    assert task_ids_listed(text_of(response))


def test_a_page_past_the_end_shows_the_last_page(
    site: Site, ada_id: int, client: FlaskClient
) -> None:
    site.add_tasks(60, ada_id)

    html = text_of(client.get("/tasks?page=9"))

    assert "Page 2 of 2" in html
    assert task_ids_listed(html) == list(range(10, 0, -1))


def test_task_list_filters(site: Site, ada_id: int, client: FlaskClient) -> None:
    bob = site.add_person("Bob Builder", "U222")
    done = site.add_task(ada_id, status=TaskStatus.SUCCESS, prompt="sort a list")
    failed = site.add_task(ada_id, status=TaskStatus.FAILURE, model_name="gpt")
    bobs = site.add_task(bob, prompt="ping", answer="the answer mentions walruses")

    def listed(**args: str) -> list[int]:
        return task_ids_listed(text_of(client.get("/tasks", query_string=args)))

    assert listed(status="SUCCESS") == [done]
    assert listed(status="failure") == [failed]
    assert listed(model="gpt") == [failed]
    assert listed(creator=str(bob)) == [bobs]
    assert listed(q="SORT") == [done]
    assert listed(q="walrus") == [bobs]
    assert listed(status="SUCCESS", creator=str(bob)) == []
    assert "No tasks match these filters" in text_of(client.get("/tasks?status=RUNNING"))


def test_filter_links_keep_the_filters(site: Site, ada_id: int, client: FlaskClient) -> None:
    site.add_tasks(60, ada_id)

    html = text_of(client.get(f"/tasks?status=PENDING&creator={ada_id}&q=prompt"))

    assert f'href="/tasks?page=2&amp;status=PENDING&amp;creator={ada_id}&amp;q=prompt"' in html


@pytest.mark.parametrize(
    ("args", "notice"),
    [
        ({"status": "BOGUS"}, "There is no status"),
        ({"creator": "bob"}, "is not a person"),
        ({"creator": "99999999999999999999999"}, "is not a person"),
        ({"q": "x" * 500}, "shortened"),
    ],
)
def test_bad_filters_are_ignored_with_a_notice(
    site: Site, ada_id: int, client: FlaskClient, args: dict[str, str], notice: str
) -> None:
    task_id = site.add_task(ada_id)

    response = client.get("/tasks", query_string=args)

    assert response.status_code == 200
    assert notice in text_of(response)
    if "q" not in args:
        assert task_ids_listed(text_of(response)) == [task_id]


def test_search_text_is_escaped_on_the_page(site: Site, ada_id: int, client: FlaskClient) -> None:
    site.add_task(ada_id)

    response = client.get("/tasks", query_string={"q": '"><script>alert(1)</script>\x00'})

    assert response.status_code == 200
    assert "<script>alert(1)" not in text_of(response)


def test_empty_task_list(client: FlaskClient) -> None:
    html = text_of(client.get("/tasks"))

    assert "No tasks yet" in html
    assert "Page 1 of 1" in html


def test_task_detail_shows_everything_escaped(site: Site, ada_id: int, client: FlaskClient) -> None:
    task_id = site.add_task(
        ada_id,
        name="xss attempt",
        prompt="line one\n  <b>line two</b>",
        answer="Here: <script>alert('owned')</script>",
        error="the endpoint rejected the API key",
        status=TaskStatus.FAILURE,
        started_at=T0 + timedelta(seconds=1),
        first_token_at=T0 + timedelta(seconds=2),
        finished_at=T0 + timedelta(minutes=3, seconds=6),
        prompt_tokens=12,
        completion_tokens=3456,
        total_tokens=3468,
        slack_channel_id="C100",
        slack_message_ts="1714555800.000100",
    )

    response = client.get(f"/tasks/{task_id}")
    html = text_of(response)

    assert response.status_code == 200
    assert "line one\n  &lt;b&gt;line two&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    assert "the endpoint rejected the API key" in html
    assert "prompt 12 · completion 3,456" in html and "total 3,468" in html
    assert "3 min 05 s" in html
    assert "2024-05-01 09:30 UTC" in html
    assert "C100" in html and "1714555800.000100" in html
    assert "Ada Lovelace" in html and "qwen" in html
    assert '<span class="badge badge-failure">FAILURE</span>' in html


@pytest.mark.parametrize("path", ["/tasks/999", "/tasks/abc", "/tasks/99999999999999999999999"])
def test_unknown_task_is_a_friendly_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in text_of(response)
    if path == "/tasks/999":
        assert "There is no task #999." in text_of(response)


# Models and people ----------------------------------------------------------------


def test_models_show_the_key_hint_and_never_the_key(
    site: Site, ada_id: int, client: FlaskClient
) -> None:
    site.add_model("qwen", maintainer_id=ada_id)

    html = text_of(client.get("/models"))

    assert "qwen-plus" in html and "https://llm.example/v1" in html
    assert "sk-…abcd" in html
    assert "Ada Lovelace" in html and "90 s" in html
    assert FAKE_CIPHERTEXT not in html and "gAAAA" not in html
    assert PLAIN_KEY not in html


def test_models_empty_state(client: FlaskClient) -> None:
    assert "No models yet" in text_of(client.get("/models"))


def test_people_show_their_task_counts(site: Site, ada_id: int, client: FlaskClient) -> None:
    bob = site.add_person("Bob Builder", "U222")
    for _ in range(3):
        site.add_task(ada_id)
    site.add_task(bob)

    html = text_of(client.get("/people"))

    assert "Ada Lovelace" in html and "U111" in html and "T1" in html
    assert f'href="/tasks?creator={ada_id}">3</a>' in html
    assert f'href="/tasks?creator={bob}">1</a>' in html


# Health, errors, headers ------------------------------------------------------------


def test_healthz_is_200_when_both_answer(site: Site) -> None:
    response = site.client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "ok", "status": "ok"}


def test_healthz_is_503_when_redis_does_not_answer(site: Site) -> None:
    site.health.answer = {"redis": "error: ConnectionError"}
    assert site.client().get("/healthz").status_code == 503

    site.health.fails = True
    response = site.client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("error: ")
    assert response.get_json()["status"] == "degraded"


def test_healthz_is_503_when_the_database_does_not_answer(site: Site) -> None:
    broken = make_session_factory(make_engine("sqlite:////nonexistent-dir/x.db", pool_size=1))
    app = flask.Flask(__name__)
    init_web(app, Settings(secret_key="s"), broken, health=HealthStub())

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["database"] == "error: OperationalError"


def test_healthz_without_a_redis_probe(site: Site) -> None:
    app = flask.Flask(__name__)
    init_web(app, Settings(secret_key="s"), site.sessions)

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["redis"] == "not configured"


def test_an_unexpected_error_is_a_friendly_500(
    site: Site, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("web.views_tasks.load_page", explode)
    site.app.testing = False

    response = client.get("/tasks")

    assert response.status_code == 500
    assert "Something went wrong" in text_of(response)
    assert "secret internals" not in text_of(response)


def test_pages_send_security_headers(site: Site, ada_id: int) -> None:
    response = site.client().get(f"/signin/{site.sign_in_token(ada_id)}")

    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_is_served_locally(site: Site) -> None:
    response = site.client().get("/web-static/style.css")

    assert response.status_code == 200
    assert "badge-success" in text_of(response)


def test_web_imports_no_slack_openai_or_task_code() -> None:
    forbidden = re.compile(
        r"^\s*(from|import)\s+(slack_sdk|slack_bolt|openai|tasks|redis|celery)\b|os\.environ",
        re.MULTILINE,
    )
    sources = Path(__file__).parent.parent.joinpath("web").rglob("*.py")

    offenders = [path.name for path in sources if forbidden.search(path.read_text())]

    assert offenders == []


# Helpers of the console tests ------------------------------------------------------

PUBLIC_URL = "https://93.184.216.34/v1"  # an address literal: no DNS in tests


def post(client: FlaskClient, path: str, **data: str) -> TestResponse:
    """Send a form with this session's CSRF token, as the browser would."""
    token = form_token(text_of(client.get("/tasks")))
    return client.post(path, data={**data, "csrf_token": token})


def task_row(site: Site, task_id: int) -> Task:
    with site.sessions() as db:
        row = db.get(Task, task_id)
        assert row is not None
        return row


def all_tasks(site: Site) -> list[Task]:
    with site.sessions() as db:
        return list(db.scalars(select(Task).order_by(Task.id)))


def field_error(html: str, name: str) -> str:
    """Return the message shown next to a form field."""
    match = re.search(rf'<p class="field-error" id="{name}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {name}"
    return match.group(1)


class Elements(HTMLParser):
    """The tags and attributes a browser would build from some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    @classmethod
    def of(cls, html: str) -> Elements:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def answer_html(html: str) -> str:
    """Return the rendered answer of a task page."""
    match = re.search(r'<div class="markdown answer">(.*?)</div>\s*<details', html, re.S)
    assert match, html
    return match.group(1)


@pytest.fixture()
def admin_id(site: Site) -> int:
    return site.add_person("Grace Hopper", "U999", is_admin=True)


@pytest.fixture()
def bob_id(site: Site) -> int:
    return site.add_person("Bob Builder", "U222")


# Task list: live rows, status feed, search count ------------------------------------


def test_running_rows_refresh_themselves(site: Site, ada_id: int, client: FlaskClient) -> None:
    running = site.add_task(ada_id, status=TaskStatus.RUNNING)
    done = site.add_task(ada_id, status=TaskStatus.SUCCESS)

    html = text_of(client.get("/tasks"))

    assert f'data-live-task="{running}"' in html
    assert f'data-live-task="{done}"' not in html
    assert 'data-status-url="/tasks/status.json"' in html
    assert '<script src="/web-static/live.js" defer></script>' in html


def test_status_feed_reports_progress(site: Site, ada_id: int, client: FlaskClient) -> None:
    running = site.add_task(ada_id, status=TaskStatus.RUNNING, started_at=T0)
    done = site.add_task(
        ada_id,
        status=TaskStatus.SUCCESS,
        started_at=T0,
        finished_at=T0 + timedelta(seconds=4.2),
        total_tokens=1500,
    )

    feed = client.get(f"/tasks/status.json?ids={running},{done},abc,,-3,999")

    assert feed.status_code == 200
    assert feed.get_json() == {
        "tasks": {
            str(running): {"status": "RUNNING", "finished": False, "duration": "—", "tokens": "—"},
            str(done): {
                "status": "SUCCESS",
                "finished": True,
                "duration": "4.2 s",
                "tokens": "1,500",
            },
        }
    }
    assert site.client().get(f"/tasks/status.json?ids={done}").status_code == 401


def test_a_search_counts_only_up_to_a_cap(
    site: Site, ada_id: int, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("web.task_list.SEARCH_COUNT_CAP", 60)
    site.add_tasks(120, ada_id)

    first = text_of(client.get("/tasks?q=prompt"))
    third = text_of(client.get("/tasks?q=prompt&page=3"))
    past = text_of(client.get("/tasks?q=prompt&page=9"))

    assert "Page 1 · over 60 tasks" in first and 'rel="next"' in first
    assert task_ids_listed(third) == list(range(20, 0, -1)) and 'rel="next"' not in third
    assert "Page 3 of 3 · 120 tasks" in past


def test_a_long_list_counts_only_up_to_a_cap(
    site: Site, ada_id: int, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("web.task_list.COUNT_CAP", 60)
    site.add_tasks(120, ada_id)

    first = text_of(client.get("/tasks"))
    third = text_of(client.get("/tasks?page=3"))
    past = text_of(client.get("/tasks?page=9"))

    assert "Page 1 · over 60 tasks" in first and 'rel="next"' in first
    assert task_ids_listed(third) == list(range(20, 0, -1)) and 'rel="next"' not in third
    assert "Page 3 of 3 · 120 tasks" in past and task_ids_listed(past) == list(range(20, 0, -1))


def test_the_model_filter_ignores_case(site: Site, ada_id: int, client: FlaskClient) -> None:
    qwen = site.add_task(ada_id, model_name="qwen")
    site.add_task(ada_id, model_name="gpt")

    assert task_ids_listed(text_of(client.get("/tasks?model=QWEN"))) == [qwen]


# Task detail: Markdown, sanitising, Slack link ---------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<style>body { display: none }</style>",
    '<iframe src="https://evil.example"></iframe>',
    "<details open ontoggle=alert(1)>x</details>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javas&#x09;cript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '[x](https://example.com "title" onclick="alert(1)")',
    "<a href='https://example.com' onmouseover='alert(1)'>hover</a>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_script_from_an_answer_survives(
    site: Site, ada_id: int, client: FlaskClient, payload: str
) -> None:
    task_id = site.add_task(ada_id, status=TaskStatus.SUCCESS, answer=f"Hi **there**\n\n{payload}")

    elements = Elements.of(answer_html(text_of(client.get(f"/tasks/{task_id}"))))

    assert ("strong", []) in elements.found
    assert {tag for tag, _ in elements.found} <= {"p", "strong", "a"}
    for _, attributes in elements.found:
        for name, value in attributes:
            assert not name.startswith("on")
            assert name not in ("href", "src") or value.startswith("https://")


def test_answers_render_as_markdown(site: Site, ada_id: int, client: FlaskClient) -> None:
    answer = "# Plan\n\n1. **one**\n2. `two`\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n[docs](https://docs.example/x)"
    task_id = site.add_task(ada_id, status=TaskStatus.SUCCESS, answer=answer, prompt="Use *this*")

    html = text_of(client.get(f"/tasks/{task_id}"))
    rendered = answer_html(html)

    assert "<h1>Plan</h1>" in rendered and "<strong>one</strong>" in rendered
    assert "<code>two</code>" in rendered and "<table>" in rendered
    assert (
        '<a href="https://docs.example/x" rel="nofollow noopener noreferrer">docs</a>' in rendered
    )
    assert "<em>this</em>" in html


def test_task_links_to_its_slack_thread(site: Site, ada_id: int, client: FlaskClient) -> None:
    in_slack = site.add_task(ada_id, slack_channel_id="C100", slack_message_ts="1714555800.000100")
    on_web = site.add_task(ada_id)

    assert (
        'href="https://slack.com/app_redirect?channel=C100&amp;message_ts=1714555800.000100"'
        in text_of(client.get(f"/tasks/{in_slack}"))
    )
    assert "asked on the web" in text_of(client.get(f"/tasks/{on_web}"))


# Retry and cancel ---------------------------------------------------------------------


def test_the_asker_retries_a_task(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model()
    original = site.add_task(
        ada_id, model_id=model_id, status=TaskStatus.FAILURE, name="sort", slack_channel_id="C1"
    )

    response = post(client, f"/tasks/{original}/retry")

    new = all_tasks(site)[-1]
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{new.id}"
    assert new.retry_of_id == original and new.name == "sort" and new.creator_id == ada_id
    assert new.slack_channel_id is None and new.dispatched_at is not None
    assert new.status == TaskStatus.PENDING
    assert site.queue.started == [new.id]
    assert f"a retry of #{original}" in text_of(client.get(f"/tasks/{new.id}"))


def test_a_retry_waits_when_the_queue_is_away(site: Site, ada_id: int, client: FlaskClient) -> None:
    site.queue.accepts = False
    original = site.add_task(ada_id, model_id=site.add_model(), status=TaskStatus.FAILURE)

    post(client, f"/tasks/{original}/retry")

    new = all_tasks(site)[-1]
    assert new.retry_of_id == original and new.dispatched_at is None
    assert "will start by itself when the queue is back" in text_of(client.get(f"/tasks/{new.id}"))


def test_only_the_asker_or_an_admin_may_retry_or_cancel(
    site: Site, ada_id: int, bob_id: int, admin_id: int
) -> None:
    original = site.add_task(ada_id, model_id=site.add_model())
    bob = signed_in(site, bob_id)

    page = text_of(bob.get(f"/tasks/{original}"))
    retry = post(bob, f"/tasks/{original}/retry")
    cancel = post(bob, f"/tasks/{original}/cancel")

    assert "can retry or cancel it" in page and "/retry" not in page
    assert retry.status_code == cancel.status_code == 403
    assert f"Only the person who asked task #{original}, or an admin, can retry it." in text_of(
        retry
    )
    assert len(all_tasks(site)) == 1 and task_row(site, original).status == TaskStatus.PENDING

    admin = signed_in(site, admin_id)
    assert post(admin, f"/tasks/{original}/cancel").status_code == 302
    assert task_row(site, original).status == TaskStatus.CANCELLED


def test_retry_needs_the_csrf_token(site: Site, ada_id: int, client: FlaskClient) -> None:
    original = site.add_task(ada_id, model_id=site.add_model())

    assert client.post(f"/tasks/{original}/retry").status_code == 400
    assert len(all_tasks(site)) == 1


def test_retry_of_a_task_whose_model_was_removed(
    site: Site, ada_id: int, client: FlaskClient
) -> None:
    original = site.add_task(ada_id, status=TaskStatus.FAILURE)

    response = post(client, f"/tasks/{original}/retry")

    assert response.headers["Location"] == f"/tasks/{original}"
    assert "was removed, so it can&#39;t be retried" in text_of(client.get(f"/tasks/{original}"))
    assert len(all_tasks(site)) == 1


def test_without_a_queue_nothing_starts_and_the_pages_say_why(tmp_path: Path) -> None:
    site = build_site(tmp_path, Settings(secret_key="s"))
    site.app = flask.Flask(__name__)
    init_web(site.app, Settings(secret_key="s"), site.sessions)
    try:
        ada = site.add_person()
        model_id = site.add_model()
        original = site.add_task(ada, model_id=model_id, status=TaskStatus.FAILURE)
        client = signed_in(site, ada)
        post(client, f"/tasks/{original}/retry")
        retried = text_of(client.get(f"/tasks/{original}"))
        created = post(client, "/tasks/new", model=str(model_id), prompt="hello")
        post(client, f"/models/{model_id}/test")
        tested = text_of(client.get(f"/models/{model_id}"))
        listed = text_of(client.get("/tasks"))
    finally:
        site.engine.dispose()

    not_configured = "The task queue is not configured here"
    assert not_configured in retried and not_configured in tested
    assert created.status_code == 503 and not_configured in text_of(created)
    assert not_configured in listed and "disabled>Start task" in listed
    assert len(all_tasks(site)) == 1


@pytest.mark.parametrize(
    ("status", "says", "ends"),
    [
        (TaskStatus.PENDING, "is cancelled before it started", TaskStatus.CANCELLED),
        (TaskStatus.RUNNING, "the worker stops it within a few seconds", TaskStatus.CANCELLED),
        (TaskStatus.SUCCESS, "already ended (success)", TaskStatus.SUCCESS),
    ],
)
def test_cancel(
    site: Site, ada_id: int, client: FlaskClient, status: TaskStatus, says: str, ends: TaskStatus
) -> None:
    task_id = site.add_task(ada_id, status=status)

    response = post(client, f"/tasks/{task_id}/cancel")

    assert response.headers["Location"] == f"/tasks/{task_id}"
    assert says in text_of(client.get(f"/tasks/{task_id}"))
    assert task_row(site, task_id).status == ends


# New task from the web ---------------------------------------------------------------


def test_a_task_started_on_the_web(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model()

    response = post(
        client, "/tasks/new", model=str(model_id), prompt="Explain\r\nmonads", name="monads"
    )

    [task] = all_tasks(site)
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{task.id}"
    assert (task.prompt, task.name, task.creator_id, task.model_id) == (
        "Explain\nmonads",
        "monads",
        ada_id,
        model_id,
    )
    assert task.slack_channel_id is None and task.dispatched_at is not None
    assert site.queue.started == [task.id]
    page = text_of(client.get(f"/tasks/{task.id}"))
    assert "is queued" in page and f'data-watch-task="{task.id}"' in page
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page


def test_the_task_list_offers_a_new_task_dialog(site: Site, client: FlaskClient) -> None:
    site.add_model("qwen")

    html = text_of(client.get("/tasks"))

    assert '<dialog id="new-task-dialog"' in html
    assert 'data-opens="new-task-dialog"' in html and 'href="/tasks/new"' in html
    assert 'action="/tasks/new"' in html and "Up to 32,000 characters" in html
    assert "qwen</option>" in text_of(client.get("/tasks/new"))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"prompt": "   "}, "prompt", "This field is required."),
        ({"prompt": "x" * 32_001}, "prompt", "at most 32,000 characters (you typed 32,001)"),
        ({"model": "999"}, "model", "Choose a model from the list."),
        ({"model": ""}, "model", "Choose a model from the list."),
        ({"name": "n" * 201}, "name", "at most 200 characters"),
    ],
)
def test_a_new_task_form_with_a_mistake(
    site: Site, client: FlaskClient, fields: dict[str, str], field: str, message: str
) -> None:
    model_id = site.add_model()
    typed = {"model": str(model_id), "prompt": "What is 2+2?", "name": "sum", **fields}

    response = post(client, "/tasks/new", **typed)

    html = text_of(response)
    assert response.status_code == 400
    assert message in field_error(html, field)
    assert "Please correct the fields marked below." in html
    if field != "prompt":
        assert "What is 2+2?</textarea>" in html
    assert all_tasks(site) == [] and site.queue.started == []


def test_a_new_task_waits_when_the_queue_is_away(site: Site, client: FlaskClient) -> None:
    site.queue.accepts = False

    post(client, "/tasks/new", model=str(site.add_model()), prompt="hello")

    [task] = all_tasks(site)
    assert task.dispatched_at is None and task.status == TaskStatus.PENDING
    assert "will start by itself when the queue is back" in text_of(client.get(f"/tasks/{task.id}"))


# Models --------------------------------------------------------------------------------


def model_fields(**changes: str) -> dict[str, str]:
    fields = {
        "name": "qwen",
        "url": PUBLIC_URL,
        "model": "qwen-plus",
        "key": PLAIN_KEY,
        "timeout": "",
        "maintainer": "",
    }
    return {**fields, **changes}


def models_in(site: Site) -> list[LlmModel]:
    with site.sessions() as db:
        return list(db.scalars(select(LlmModel).order_by(LlmModel.id)))


def test_register_a_model(site: Site, ada_id: int, client: FlaskClient) -> None:
    assert f'<option value="{ada_id}" selected>' in text_of(client.get("/models/new"))

    response = post(client, "/models/new", **model_fields(name="Qwen", maintainer=str(ada_id)))

    [model] = models_in(site)
    assert response.headers["Location"] == f"/models/{model.id}"
    assert (model.name, model.base_url, model.provider_model) == ("qwen", PUBLIC_URL, "qwen-plus")
    assert model.maintainer_id == ada_id and model.timeout_seconds == 120
    assert KeyBox("test-secret").decrypt(model.api_key_encrypted) == PLAIN_KEY
    page = text_of(client.get(f"/models/{model.id}"))
    assert "Model qwen is registered." in page and "sk-…abcd" in page
    assert PLAIN_KEY not in page and model.api_key_encrypted not in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "Qwen Plus!"}, "name", "<code>qwen plus!</code> can&#39;t be a model name"),
        ({"name": ""}, "name", "This field is required."),
        ({"url": "ftp://llm.example"}, "url", "must start with http:// or https://"),
        ({"url": "http://127.0.0.1:8000/v1"}, "url", "loopback or private address"),
        ({"model": "two words"}, "model", "is one word"),
        ({"key": ""}, "key", "This field is required."),
        ({"key": "has space"}, "key", "one word with no spaces"),
        ({"timeout": "0"}, "timeout", "from 1 to 3600"),
        ({"maintainer": "999"}, "maintainer", "Choose a maintainer from the list."),
    ],
)
def test_a_model_form_with_a_mistake(
    site: Site, client: FlaskClient, changes: dict[str, str], field: str, message: str
) -> None:
    response = post(client, "/models/new", **model_fields(**changes))

    html = text_of(response)
    assert response.status_code == 400
    assert message in field_error(html, field)
    assert models_in(site) == []
    if field != "model":
        assert 'value="qwen-plus"' in html
    assert PLAIN_KEY not in html and "has space" not in html
    if field not in ("key",):
        assert "type it again" in field_error(html, "key")


def test_a_model_name_is_taken_once(site: Site, client: FlaskClient) -> None:
    site.add_model("qwen")

    response = post(client, "/models/new", **model_fields(name="QWEN"))

    assert "There is already a model called <code>qwen</code>" in field_error(
        text_of(response), "name"
    )


def test_the_maintainer_edits_a_model(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model("qwen", maintainer_id=ada_id)
    form = text_of(client.get(f"/models/{model_id}/edit"))
    assert "Leave blank to keep the current key (sk-…abcd)" in form
    assert FAKE_CIPHERTEXT not in form and 'name="key" type="password" autocomplete' in form

    response = post(
        client,
        f"/models/{model_id}/edit",
        **model_fields(name="qwen", url=PUBLIC_URL, key="", timeout="30", maintainer=str(ada_id)),
    )

    [model] = models_in(site)
    assert response.headers["Location"] == f"/models/{model_id}"
    assert model.base_url == PUBLIC_URL and model.timeout_seconds == 30
    assert model.api_key_encrypted == FAKE_CIPHERTEXT and model.provider_model == "qwen-plus"


def test_a_new_key_replaces_the_old_one(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model("qwen", maintainer_id=ada_id)

    post(
        client,
        f"/models/{model_id}/edit",
        **model_fields(url="https://llm.example/v1", key="sk-new-key-000000wxyz"),
    )

    [model] = models_in(site)
    assert KeyBox("test-secret").decrypt(model.api_key_encrypted) == "sk-new-key-000000wxyz"
    assert model.api_key_hint == "sk-…wxyz"


def test_a_bad_edit_changes_nothing(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model("qwen", maintainer_id=ada_id)

    response = post(
        client,
        f"/models/{model_id}/edit",
        **model_fields(name="renamed", url=PUBLIC_URL, model="x", key="", timeout="99999"),
    )

    assert response.status_code == 400
    assert "from 1 to 3600" in field_error(text_of(response), "timeout")
    [model] = models_in(site)
    assert (model.name, model.base_url, model.provider_model) == (
        "qwen",
        "https://llm.example/v1",
        "qwen-plus",
    )


def test_only_the_maintainer_or_an_admin_changes_a_model(
    site: Site, ada_id: int, bob_id: int, admin_id: int
) -> None:
    model_id = site.add_model("qwen", maintainer_id=ada_id)
    bob = signed_in(site, bob_id)

    page = text_of(bob.get(f"/models/{model_id}"))
    responses = [
        bob.get(f"/models/{model_id}/edit"),
        post(bob, f"/models/{model_id}/edit", **model_fields(key="")),
        bob.get(f"/models/{model_id}/delete"),
        post(bob, f"/models/{model_id}/delete"),
    ]

    assert "/edit" not in page and "Only the maintainer of qwen (Ada Lovelace)" in page
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert "Only the maintainer of qwen (Ada Lovelace) or an admin" in text_of(responses[0])
    assert len(models_in(site)) == 1
    admin = signed_in(site, admin_id)
    assert admin.get(f"/models/{model_id}/edit").status_code == 200


def test_delete_a_model_keeps_its_tasks(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model("qwen", maintainer_id=ada_id)
    task_id = site.add_task(ada_id, model_id=model_id)

    confirm = text_of(client.get(f"/models/{model_id}/delete"))
    response = post(client, f"/models/{model_id}/delete")

    assert "Its 1 task(s) are kept" in confirm and 'action="/models/1/delete"' in confirm
    assert response.headers["Location"] == "/models" and models_in(site) == []
    assert task_row(site, task_id).model_id is None
    assert task_row(site, task_id).model_name == "qwen"
    assert "Model qwen is deleted." in text_of(client.get("/models"))


def test_test_connection_waits_for_the_worker(site: Site, ada_id: int, client: FlaskClient) -> None:
    model_id = site.add_model("qwen")

    response = post(client, f"/models/{model_id}/test")

    assert site.queue.tested == [(model_id, {})]
    assert response.headers["Location"] == f"/models/{model_id}?testing=0"
    waiting = text_of(client.get(response.headers["Location"]))
    assert "Testing qwen with a real call" in waiting and 'data-since="0"' in waiting
    assert client.get(f"/models/{model_id}/test.json").get_json() == {"tested_at": "0"}

    with site.sessions.begin() as db:
        model = db.get(LlmModel, model_id)
        assert model is not None
        model.last_test_at, model.last_test_ok = T0, False
        model.last_test_message = "the endpoint rejected the API key"

    done = text_of(client.get(response.headers["Location"]))
    assert "Testing qwen" not in done
    assert "FAILED" in done and "the endpoint rejected the API key" in done
    assert client.get(f"/models/{model_id}/test.json").get_json() == {
        "tested_at": f"{T0.timestamp():.6f}"
    }


def test_test_connection_when_the_queue_is_away(site: Site, client: FlaskClient) -> None:
    site.queue.accepts = False
    model_id = site.add_model("qwen")

    response = post(client, f"/models/{model_id}/test")

    assert response.headers["Location"] == f"/models/{model_id}"
    assert "so the test could not start" in text_of(client.get(f"/models/{model_id}"))


def test_unknown_model_pages_are_404(client: FlaskClient) -> None:
    for path in ("/models/7", "/models/7/edit", "/models/7/delete", "/models/7/test.json"):
        response = client.get(path)
        assert response.status_code == 404
        assert "There is no model #7." in text_of(response)


# People ---------------------------------------------------------------------------


def person_fields(**changes: str) -> dict[str, str]:
    return {"name": "Linus", "user_id": "u0LINUS", "team_id": "T1", **changes}


def people_named(site: Site, name: str) -> list[Person]:
    with site.sessions() as db:
        return list(db.scalars(select(Person).where(Person.name == name)))


def test_only_admins_manage_people(site: Site, ada_id: int, client: FlaskClient) -> None:
    page = text_of(client.get("/people"))
    responses = [
        client.get("/people/new"),
        post(client, "/people/new", **person_fields()),
        client.get(f"/people/{ada_id}/edit"),
        post(client, f"/people/{ada_id}/edit", **person_fields()),
        post(client, f"/people/{ada_id}/delete"),
    ]

    assert "Add person" not in page
    assert {r.status_code for r in responses} == {403}
    assert "Only an admin can add, change or remove people." in text_of(responses[0])
    assert people_named(site, "Linus") == []


def test_an_admin_adds_a_person(site: Site, admin_id: int) -> None:
    admin = signed_in(site, admin_id)
    assert "Add person" in text_of(admin.get("/people"))

    response = post(admin, "/people/new", **person_fields(admin="on"))

    [linus] = people_named(site, "Linus")
    assert response.headers["Location"] == f"/people/{linus.id}"
    assert (linus.slack_user_id, linus.slack_team_id, linus.is_admin) == ("U0LINUS", "T1", True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"user_id": ""}, "user_id", "This field is required."),
        ({"user_id": "linus"}, "user_id", "a U or W followed by letters and digits"),
        ({"user_id": "U999"}, "user_id", "Grace Hopper already has this Slack user id"),
        ({"team_id": "T 1"}, "team_id", "letters, digits, - or _"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
    ],
)
def test_a_person_form_with_a_mistake(
    site: Site, admin_id: int, changes: dict[str, str], field: str, message: str
) -> None:
    admin = signed_in(site, admin_id)

    response = post(admin, "/people/new", **person_fields(**changes))

    assert response.status_code == 400
    assert message in field_error(text_of(response), field)
    assert people_named(site, "Linus") == []


def test_an_admin_edits_a_person(site: Site, ada_id: int, admin_id: int) -> None:
    admin = signed_in(site, admin_id)

    post(admin, f"/people/{ada_id}/edit", name="Ada King", user_id="U111", team_id="T1", admin="on")

    [ada] = people_named(site, "Ada King")
    assert ada.is_admin and ada.slack_user_id == "U111"


def test_a_person_made_outside_slack_keeps_their_id(site: Site, admin_id: int) -> None:
    local = site.add_person("Local admin", "local-admin")
    admin = signed_in(site, admin_id)

    response = post(
        admin, f"/people/{local}/edit", name="Local", user_id="local-admin", team_id="local"
    )

    assert response.status_code == 302
    assert people_named(site, "Local")[0].slack_user_id == "local-admin"


def test_removing_a_person_keeps_their_tasks(site: Site, ada_id: int, admin_id: int) -> None:
    task_id = site.add_task(ada_id)
    admin = signed_in(site, admin_id)

    confirm = text_of(admin.get(f"/people/{ada_id}/delete"))
    response = post(admin, f"/people/{ada_id}/delete")

    assert "Their 1 task(s) are kept, with no creator" in confirm
    assert response.headers["Location"] == "/people"
    assert people_named(site, "Ada Lovelace") == []
    assert task_row(site, task_id).creator_id is None


def test_an_admin_cannot_remove_themselves(site: Site, admin_id: int) -> None:
    admin = signed_in(site, admin_id)

    post(admin, f"/people/{admin_id}/delete")

    assert len(people_named(site, "Grace Hopper")) == 1
    assert "remove yourself" in text_of(admin.get(f"/people/{admin_id}"))


def test_a_person_page_lists_their_tasks(site: Site, ada_id: int, client: FlaskClient) -> None:
    mine = site.add_task(ada_id, name="my question")

    html = text_of(client.get(f"/people/{ada_id}"))

    assert "my question" in html and f'href="/tasks/{mine}"' in html
    assert client.get("/people/999").status_code == 404


# Overview ------------------------------------------------------------------------------


def test_overview_with_no_tasks(client: FlaskClient) -> None:
    response = client.get("/overview")

    html = text_of(response)
    assert response.status_code == 200
    assert html.count("<svg") == 2
    assert "No tasks in the last 14 days." in html and "No finished tasks" in html


def test_overview_draws_tasks_per_day_and_latency(
    site: Site, ada_id: int, client: FlaskClient
) -> None:
    now = datetime.now(UTC)
    for seconds in (2, 4, 30):
        site.add_task(
            ada_id,
            status=TaskStatus.SUCCESS,
            created_at=now - timedelta(days=1),
            started_at=now - timedelta(days=1),
            finished_at=now - timedelta(days=1) + timedelta(seconds=seconds),
            total_tokens=100,
        )
    site.add_task(ada_id, status=TaskStatus.FAILURE, created_at=now)
    site.add_task(ada_id, status=TaskStatus.SUCCESS, created_at=now - timedelta(days=30))

    html = text_of(client.get("/overview"))

    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"<title>{yesterday} · SUCCESS: 3</title>" in html
    assert f"<title>{now:%Y-%m-%d} · FAILURE: 1</title>" in html
    assert "qwen: 4.0 s · 3 answer(s)" in html
    assert ">5</span> tasks in all" in html and ">300</span> tokens in 14 days" in html


def test_the_front_door_leads_to_the_overview(site: Site) -> None:
    response = site.client().get("/")

    assert response.status_code == 302 and response.headers["Location"] == "/overview"
    assert site.client().get("/overview").status_code == 401


# Pages in general -----------------------------------------------------------------------


def test_every_form_that_posts_carries_the_csrf_token(
    site: Site, ada_id: int, admin_id: int
) -> None:
    model_id = site.add_model("qwen", maintainer_id=admin_id)
    task_id = site.add_task(admin_id, model_id=model_id)
    admin = signed_in(site, admin_id)
    paths = [
        "/tasks",
        "/tasks/new",
        f"/tasks/{task_id}",
        f"/models/{model_id}",
        "/models/new",
        f"/models/{model_id}/edit",
        f"/models/{model_id}/delete",
        "/people/new",
        f"/people/{ada_id}/edit",
        f"/people/{ada_id}/delete",
    ]

    for path in paths:
        html = text_of(admin.get(path))
        forms = re.findall(r'<form[^>]*method="post".*?</form>', html, re.S)
        assert forms, path
        assert all('name="csrf_token"' in form for form in forms), path


def test_the_pages_allow_only_their_own_script(site: Site, ada_id: int) -> None:
    policy = (
        site.client()
        .get(f"/signin/{site.sign_in_token(ada_id)}")
        .headers["Content-Security-Policy"]
    )

    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "dialog.showModal()" in text_of(site.client().get("/web-static/live.js"))


def test_the_page_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from web import bench_pages

    assert bench_pages.main(["--tasks", "300", "--runs", "2"]) == 0

    table = capsys.readouterr().out
    assert "tasks, page 500" in table and "p50 ms" in table


# The list's queries on each database ------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The web pages on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set."""
    url = create_postgres_database(POSTGRES_URL) if request.param == "postgres" else None
    site = build_site(tmp_path, Settings(secret_key="test-secret"), database_url=url)
    yield site
    site.engine.dispose()
    if url is not None and POSTGRES_URL is not None:
        drop_postgres_database(POSTGRES_URL, url)


def test_list_search_and_overview_on_each_database(any_site: Site) -> None:
    site = any_site
    ada = site.add_person()
    bob = site.add_person("Bob Builder", "U222")
    now = datetime.now(UTC)
    probes = site.add_task(ada, prompt="Kubernetes PROBES?", status=TaskStatus.SUCCESS)
    percent = site.add_task(bob, prompt="is 100% enough", answer="Yes.", model_name="gpt")
    site.add_task(bob, prompt="100 apples", created_at=now, status=TaskStatus.FAILURE)
    site.add_tasks(60, ada)
    client = signed_in(site, ada)

    def listed(**args: str) -> list[int]:
        return task_ids_listed(text_of(client.get("/tasks", query_string=args)))

    assert listed(q="kubernetes probes") == [probes]
    assert listed(q="100%") == [percent]
    assert listed(q="yes") == [percent]
    assert listed(model="GPT", creator=str(bob)) == [percent]
    assert listed(status="SUCCESS") == [probes]
    assert len(listed(q="prompt", page="2")) == 10
    overview = text_of(client.get("/overview"))
    assert f"<title>{now:%Y-%m-%d} · FAILURE: 1</title>" in overview
