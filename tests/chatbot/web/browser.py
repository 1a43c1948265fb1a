"""Steps a person takes in the chat, shared by the page tests and the widget tests.

``where`` is a Playwright Page or Frame: the same chat runs top-level and inside the widget.
"""

from __future__ import annotations

from pathlib import Path
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


# -- accessibility ----------------------------------------------------------------------------

AXE = Path(__file__).resolve().parents[2] / "js" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(where: Any, impacts: tuple[str, ...] = ("serious", "critical"),
                   ) -> list[dict[str, Any]]:
    """axe-core's violations of ``impacts`` on the page or frame, one line each (rule, impact,
    how many elements, the first few of them). `make axe` installs axe-core."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is missing at {AXE}: run `make axe`")
    where.add_script_tag(path=str(AXE))
    found = where.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                               where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return [v for v in found if v["impact"] in impacts]


def in_viewport(where: Any, selector: str) -> bool:
    """Is the whole of the first element matching ``selector`` inside the window?"""
    return bool(where.locator(selector).first.evaluate("""e => {
        const r = e.getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 1
            && r.left >= 0 && r.right <= window.innerWidth + 1; }"""))
