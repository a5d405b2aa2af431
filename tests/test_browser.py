"""The web console in a real browser: Playwright driving Debian's Chromium.

Needs `apt-get install chromium` and `pip install playwright==1.65.2`; fails (never skips)
with that advice when they are missing. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.models import Task, TaskStatus
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, LiveSite, require_browser, serve

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
XSS_ANSWER = (
    "Sure! <script>window.owned = 'script'</script>\n\n"
    "<img src=x onerror=\"window.owned = 'img'\">\n\n"
    "[a harmless link](javascript:window.owned='link') and **bold** text.\n\n"
    '<a href="#" onclick="window.owned = \'click\'">click me</a>'
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """The console on a database of realistic rows, served on a free port."""
    with serve(tmp_path_factory.mktemp("browser")) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole module."""
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page(browser: Any, site: LiveSite) -> Iterator[Any]:
    """A tab signed in as Ada through a one-time link, as from `/task web`."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto(site.sign_in_link("Ada Lovelace"))
    tab.get_by_role("button", name="Sign in as Ada Lovelace").click()
    tab.wait_for_url(f"{site.url}/tasks")
    yield tab
    context.close()


def shoot(page: Any, name: str) -> None:
    """Save a screenshot of the page for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def test_sign_in_and_filter_the_task_list(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/tasks")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 50
    shoot(page, "tasks.png")

    page.get_by_label("Status").select_option("FAILURE")
    page.get_by_role("button", name="Filter").click()

    page.wait_for_url(re.compile(r"status=FAILURE"))
    badges = page.locator("table.list tbody .badge").all_inner_texts()
    assert badges and set(badges) == {"FAILURE"}
    page.get_by_label("Text").fill("refund")
    page.get_by_role("button", name="Filter").click()
    prompts = page.locator("td.prompt").all_inner_texts()
    assert all("refund" in prompt for prompt in prompts)


def test_open_a_task_whose_answer_tries_to_run_script(page: Any, site: LiveSite) -> None:
    with site.sessions.begin() as db:
        task = db.query(Task).filter_by(status=TaskStatus.SUCCESS).order_by(Task.id).first()
        assert task is not None
        task.answer = XSS_ANSWER
        task_id = task.id
    page.goto(f"{site.url}/tasks/{task_id}")

    answer = page.locator(".markdown.answer")
    answer.get_by_text("click me").click()
    assert answer.locator("strong").inner_text() == "bold"
    assert answer.locator("script, img, [onclick], [onerror]").count() == 0
    assert page.evaluate("window.owned") is None
    hrefs = answer.locator("a").evaluate_all("links => links.map(link => link.href)")
    assert not any(href.lower().startswith("javascript") for href in hrefs)


def test_task_page_looks_right(page: Any, site: LiveSite) -> None:
    with site.sessions() as db:
        task = db.query(Task).filter(Task.slack_channel_id.is_not(None)).order_by(Task.id.desc())
        task_id = task.filter_by(status=TaskStatus.SUCCESS).first().id
    page.goto(f"{site.url}/tasks/{task_id}")

    assert page.get_by_role("link", name="Open the thread in Slack").is_visible()
    assert page.locator(".markdown.answer table").is_visible()
    shoot(page, "task.png")


def test_create_a_model_with_a_validation_error_then_fix_it(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/models")
    page.get_by_role("link", name="New model").click()
    page.get_by_label("Name").fill("Qwen Max!")
    page.get_by_label("Base URL").fill("http://10.20.0.30:8000/v1")
    page.get_by_label("Provider model id").fill("qwen-max")
    page.get_by_label("API key").fill("sk-qwen-max-secret-1234")
    page.get_by_role("button", name="Register model").click()

    error = page.locator("#name-error")
    assert "can't be a model name" in error.inner_text()
    assert page.get_by_label("Provider model id").input_value() == "qwen-max"
    assert page.get_by_label("API key").input_value() == ""
    assert "sk-qwen-max-secret" not in page.content()
    shoot(page, "model-form-error.png")

    page.get_by_label("Name").fill("qwen-max")
    page.get_by_label("API key").fill("sk-qwen-max-secret-1234")
    page.get_by_role("button", name="Register model").click()

    assert page.get_by_text("Model qwen-max is registered.").is_visible()
    assert page.locator("dd code", has_text="sk-…1234").is_visible()
    page.get_by_role("button", name="Test connection").click()
    page.wait_for_url(re.compile(r"/models/\d+$"), timeout=10_000)
    assert page.get_by_text("412 ms").is_visible()
    page.goto(f"{site.url}/models")
    shoot(page, "models.png")


def test_start_a_task_from_the_web_and_see_it_finish(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/tasks")
    page.get_by_role("link", name="New task").click()
    dialog = page.locator("dialog#new-task-dialog")
    assert dialog.is_visible()
    dialog.get_by_label("Model").select_option(label="deepseek")
    dialog.get_by_label("Prompt").fill("Write a haiku about **queues**.")
    shoot(page, "new-task.png")
    dialog.get_by_role("button", name="Start task").click()

    page.wait_for_url(re.compile(r"/tasks/\d+$"))
    assert page.get_by_text("is queued").is_visible()
    page.locator(".markdown.answer").wait_for(timeout=10_000)
    assert "answer from the fake worker" in page.locator(".markdown.answer").inner_text()
    assert page.locator("dd .badge").inner_text() == "SUCCESS"
    assert site.queue.started


def test_overview_draws_its_charts(page: Any, site: LiveSite) -> None:
    page.goto(f"{site.url}/")

    assert page.url.endswith("/overview")
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect.bar-success").count() > 0
    assert page.locator("svg.chart rect.bar-latency").count() >= 4
    shoot(page, "overview.png")
