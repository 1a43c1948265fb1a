"""What every command shares: the Typer app, the consoles, settings and service from the
global options, failing with a clear message, and the progress bar."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from index.progress import Progress

if TYPE_CHECKING:  # the service, its settings and the models load when a command needs them
    from chatbot.service import ChatService
    from chatbot.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of news articles; every answer cites its passages.")
out = Console(highlight=False, soft_wrap=True)
# Messages name paths and URLs: never wrapped, so they can be copied and searched whole.
err = Console(stderr=True, highlight=False, soft_wrap=True)

_STATE: dict[str, Any] = {}


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


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


class Bar(Progress):
    """A tqdm bar on stderr, shown only for runs long enough to need one."""

    def __init__(self, total: int, unit: str = "article") -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit=unit, file=sys.stderr,
                         disable=total < 20 or not sys.stderr.isatty(), dynamic_ncols=True)

    def advance(self, steps: int = 1) -> None:
        self._bar.update(steps)

    def close(self) -> None:
        self._bar.close()
