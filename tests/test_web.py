"""The web pages, through Flask's test client with a real sign-in on a fresh database."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from db.migrate import upgrade
from db.models import LlmModel, Person, SignInToken, Task, TaskStatus
from db.queries import create_sign_in_token
from db.session import make_engine, make_session_factory
from settings import Settings
from web import init_web

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
class Site:
    """A Flask app with the web pages on its own database."""

    app: flask.Flask
    sessions: sessionmaker[Session]
    engine: Engine
    health: HealthStub

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def add_person(self, name: str = "Ada Lovelace", user_id: str = "U111") -> int:
        with self.sessions.begin() as db:
            person = Person(slack_user_id=user_id, slack_team_id="T1", name=name)
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


def build_site(tmp_path: Path, settings: Settings) -> Site:
    """Build an app with the web pages on a new, upgraded SQLite database."""
    settings = settings.with_changes(database_url=f"sqlite:///{tmp_path}/t.db")
    engine = make_engine(settings.database_url, pool_size=2)
    upgrade(engine)
    sessions = make_session_factory(engine)
    health = HealthStub()
    app = flask.Flask(__name__)
    app.testing = True
    init_web(app, settings, sessions, health=health)
    return Site(app, sessions, engine, health)


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

    monkeypatch.setattr("web.views.tasks_page", explode)
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
