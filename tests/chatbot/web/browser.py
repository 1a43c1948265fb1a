"""Steps a person takes in the chat, shared by the page tests and the widget tests.

``where`` is a Playwright Page or Frame: the same chat runs top-level and inside the widget.
"""

from __future__ import annotations

from typing import Any

ANSWERS = "#nb-chat .nb-answer:not(.nb-pending)"


def wait_for_chat(where: Any) -> None:
    where.locator("#nb-question textarea").wait_for()


def ask(where: Any, question: str) -> Any:
    """Type ``question``, press Enter, and return the final answer's element once it is in."""
    before = where.locator(ANSWERS).count()
    where.locator("#nb-question textarea").fill(question)
    where.locator("#nb-question textarea").press("Enter")
    answer = where.locator(ANSWERS).nth(before)
    answer.wait_for()
    return answer


def xss_flag(where: Any) -> Any:
    """What the hostile article's payloads would have set, had any of them run."""
    return where.evaluate("window.__xss")


def script_links_and_handlers(where: Any) -> list[str]:
    """Elements that could run the hostile payloads: javascript: links, inline handlers."""
    return list(where.evaluate("""() => Array.from(document.querySelectorAll('*'))
        .filter(e => (e.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript:')
                  || Array.from(e.attributes).some(a => a.name.startsWith('on')))
        .map(e => e.outerHTML.slice(0, 120))"""))
