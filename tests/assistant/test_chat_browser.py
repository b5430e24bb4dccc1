"""The chat in a real headless Chromium (Debian's, through Playwright), against a real
server on a free loopback port."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import Settings
from tests.assistant.test_chat import ANTI_MAG, OUT_OF_SCOPE
from tests.servers import running_chat

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANSWER_TIMEOUT_MS = 90_000
LOOPBACK = ("http://127.0.0.1", "data:", "blob:")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    assert executable, "Debian chromium is not installed: run scripts/install-chromium.sh (make install-test)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records every request leaving the loopback interface."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.outside_requests = []
    page.on("request", lambda r: None if r.url.startswith(LOOPBACK) else page.outside_requests.append(r.url))
    yield page
    context.close()


def ask(page: Any, question: str) -> None:
    box = page.locator("#cw-question textarea")
    box.fill(question)
    box.press("Enter")


def wait_for_answers(page: Any, count: int) -> None:
    """Until ``count`` answers are fully shown (each ends with its "passages searched" line)."""
    page.wait_for_function(
        "n => (document.querySelector('#cw-chat').innerText.match(/passages searched/g) || []).length >= n",
        arg=count,
        timeout=ANSWER_TIMEOUT_MS,
    )


def test_question_gets_a_cited_answer_and_a_sources_panel(page: Any, server: str, tmp_path: Path) -> None:
    page.goto(server)
    page.get_by_text("Not medical advice.").wait_for(timeout=30_000)  # the disclaimer is always shown
    ask(page, ANTI_MAG)
    page.wait_for_selector("#cw-sources-panel blockquote", timeout=ANSWER_TIMEOUT_MS)
    chat = page.locator("#cw-chat")
    assert "From the Guidelines" in chat.inner_text()
    assert "[1]" in chat.inner_text()
    panel = page.locator("#cw-sources-panel")
    quote = panel.locator("blockquote").first.inner_text()
    assert len(quote) > 20 and "half" in panel.inner_text()
    assert panel.locator("a[href^='https://']").count() >= 1
    page.screenshot(path=str(tmp_path / "chat.png"))
    assert page.outside_requests == []


def test_follow_up_shows_its_query_and_each_answer_its_sources(page: Any, server: str) -> None:
    page.goto(server)
    ask(page, "Does rituximab help anti-MAG neuropathy?")
    wait_for_answers(page, 1)
    ask(page, "and what about IVIg?")
    page.get_by_text("Follow-up searched as").wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "Does IVIg help anti-MAG neuropathy?" in page.locator("#cw-chat").inner_text()
    page.get_by_text("For: “Does IVIg help anti-MAG neuropathy?”").wait_for(timeout=30_000)
    # Selecting the earlier answer (its top-left corner: text, not a link) brings its sources back.
    page.locator("#cw-chat [data-testid='bot']").first.click(position={"x": 24, "y": 12})
    page.get_by_text("For: “Does rituximab help anti-MAG neuropathy?”").wait_for(timeout=30_000)


def test_an_example_question_is_asked_when_clicked(page: Any, server: str) -> None:
    page.goto(server)
    page.locator("#cw-chat button.example").first.click()
    page.wait_for_selector("#cw-sources-panel blockquote", timeout=ANSWER_TIMEOUT_MS)
    assert "[1]" in page.locator("#cw-chat").inner_text()


def test_a_refusal_is_announced(page: Any, server: str) -> None:
    page.goto(server)
    ask(page, OUT_OF_SCOPE)
    page.get_by_text("Not answered").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.get_by_text("No sources cited").wait_for(timeout=30_000)


def test_thumbs_up_appends_one_feedback_line(page: Any, server: str, chat_settings: Settings) -> None:
    feedback = chat_settings.home / "feedback.jsonl"
    before = feedback.read_text(encoding="utf-8").splitlines() if feedback.exists() else []
    page.goto(server)
    ask(page, ANTI_MAG)
    wait_for_answers(page, 1)
    page.locator("#cw-chat button[aria-label='Like']").last.click()
    deadline = time.monotonic() + 30
    lines = before
    while time.monotonic() < deadline and len(lines) == len(before):
        time.sleep(0.2)
        lines = feedback.read_text(encoding="utf-8").splitlines() if feedback.exists() else []
    assert len(lines) == len(before) + 1
    record = json.loads(lines[-1])
    assert record["vote"] == "up" and record["question"] == ANTI_MAG
    assert "[1]" in record["answer"] and record["cited"]


def test_missing_index_page_says_what_to_run(page: Any, tmp_path: Path) -> None:
    with running_chat(Settings(home=tmp_path)) as url:
        page.goto(url)
        notice = page.locator(".cw-notice")
        notice.wait_for(timeout=30_000)
        assert "citewise ingest" in notice.inner_text()
        ask(page, ANTI_MAG)
        page.get_by_text("Could not answer").wait_for(timeout=ANSWER_TIMEOUT_MS)
        assert "Traceback" not in page.locator("#cw-chat").inner_text()
