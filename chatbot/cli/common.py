"""What every command shares: the Typer app, the consoles, settings and service from the
global options, failing with a clear message, and the progress bar."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from index.progress import Progress

if TYPE_CHECKING:  # the service, its settings and the models load when a command needs them
    from chatbot.schema import Filters
    from chatbot.service import ChatService
    from chatbot.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Ask questions of news articles; every answer cites its passages.")
out = Console(highlight=False, soft_wrap=True)
# Messages name paths and URLs: never wrapped, so they can be copied and searched whole.
err = Console(stderr=True, highlight=False, soft_wrap=True)

_STATE: dict[str, Any] = {}

# The outlet and date options of every command that searches (ask, timeline, watches add).
SourceOption = Annotated[list[str] | None, typer.Option(
    "--source", help="Only this outlet (repeatable).")]
SinceOption = Annotated[str | None, typer.Option(help="Published on or after YYYY-MM-DD.")]
UntilOption = Annotated[str | None, typer.Option(help="Published on or before YYYY-MM-DD.")]


@app.callback()
def _global_options(
    config: Annotated[Path | None, typer.Option(help="A newsbot.toml to read.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of the embedded store.")] = None,
    chroma_url: Annotated[str | None, typer.Option(help="Use this Chroma server.")] = None,
    answerer: Annotated[str | None, typer.Option(
        help="extractive, local (the bundled model) or openai (llm_base_url).")] = None,
) -> None:
    _STATE["overrides"] = {"config_file": config, "data_dir": data_dir, "chroma_url": chroma_url,
                           "answerer": answerer}


def settings_from_options(**overrides: Any) -> Settings:
    from chatbot.settings import load_settings

    try:
        return load_settings(**{**_STATE.get("overrides", {}), **overrides})
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))


def open_service(settings: Settings | None = None) -> ChatService:
    from chatbot.llm.providers import AnswererUnavailableError
    from chatbot.service import create_service
    from index.store.errors import StoreUnavailableError

    try:
        return create_service(settings or settings_from_options())
    except (StoreUnavailableError, AnswererUnavailableError) as exc:
        fail(str(exc))


def day_option(value: str | None) -> date | None:
    """A YYYY-MM-DD option as a date (None when not given); a bad day fails the command."""
    from index.dates import parse_day

    try:
        return parse_day(value)
    except ValueError as exc:
        fail(str(exc))


def filters_option(sources: list[str] | None, since: str | None, until: str | None,
                   as_of: str | None) -> Filters:
    """The outlet and date options as the service's Filters."""
    from chatbot.schema import Filters

    return Filters(sources=sources or [], since=day_option(since), until=day_option(until),
                   as_of=day_option(as_of))


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


class Bar(Progress):
    """Progress on stderr: a tqdm bar on a terminal; elsewhere (a log file, CI) a plain line
    at least every ``every`` seconds (articles done, passages/s, time left), written by a
    timer so that a long model call cannot silence it."""

    def __init__(self, total: int, unit: str = "article", every: float = 10.0) -> None:
        from tqdm import tqdm

        self._total, self._unit, self._every = total, unit, every
        self._done = self._passages = 0
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._terminal = sys.stderr.isatty()
        self._bar = tqdm(total=total, unit=unit, file=sys.stderr,
                         disable=total < 20 or not self._terminal, dynamic_ncols=True)
        self._timer: threading.Thread | None = None
        if not self._terminal and total:
            self._timer = threading.Thread(target=self._report_every, daemon=True)
            self._timer.start()

    def advance(self, steps: int = 1, passages: int = 0) -> None:
        with self._lock:
            self._done += steps
            self._passages += passages
        self._bar.update(steps)

    def close(self) -> None:
        self._bar.close()
        if self._timer is not None:
            self._stop.set()
            self._timer.join()
            self._line()

    def _report_every(self) -> None:
        while not self._stop.wait(self._every):
            self._line()

    def _line(self) -> None:
        with self._lock:
            done, passages = self._done, self._passages
        print(progress_line(done, self._total, passages, time.monotonic() - self._start,
                            self._unit), file=sys.stderr, flush=True)


def progress_line(done: int, total: int, passages: int, elapsed: float, unit: str) -> str:
    """``120/1980 articles (6%), 412 passages, 43.1 passages/s, 0:02:05 elapsed, ETA 0:32:10``."""
    parts = [f"{done}/{total} {unit}s ({100 * done / max(total, 1):.0f}%)"]
    if passages:
        parts.append(f"{passages} passages, {passages / max(elapsed, 1e-9):.1f} passages/s")
    parts.append(f"{_clock(elapsed)} elapsed")
    if 0 < done < total:
        parts.append(f"ETA {_clock(elapsed / done * (total - done))}")
    elif done >= total:
        parts.append("done")
    return ", ".join(parts)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


@contextmanager
def step(message: str) -> Iterator[None]:
    """Say what a slow step is doing: a spinner on a terminal, a line before and after
    elsewhere (loading the model takes seconds before any progress can be shown)."""
    if sys.stderr.isatty():
        with err.status(escape(message) + "…"):
            yield
        return
    start = time.monotonic()
    print(f"{message}…", file=sys.stderr, flush=True)
    yield
    print(f"{message}: done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)
