"""The eval report (newsbot eval) in Chromium: fits a phone, failures first, axe-clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatbot.evaluation.report import write_report
from tests.chatbot.evaluation.test_report import _run
from tests.chatbot.web.browser import axe_violations
from tests.chatbot.web.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1400, 900), (390, 844)], ids=["desktop", "phone"])
def test_report_fits_the_screen_shows_failures_first_and_passes_axe(
        page: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    write_report(tmp_path, [_run()])
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto((tmp_path / "report.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    first = page.locator("main h2").first
    assert first.inner_text() == "Failures" and first.is_visible()
    assert page.locator(".failure").count() == 3
    assert not page.get_by_text("setting_0").is_visible()  # folded away
    assert page.locator("img[alt]").count() == 3
    screenshot(page, f"eval-report-{size[0]}")
    assert axe_violations(page) == []
