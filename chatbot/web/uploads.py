"""Who may upload article files to the Library tab, which uploaded files it hands to the
ingest, and how much the upload cache may hold.

Gradio keeps every file its upload endpoint receives in its cache and records the path
(``Blocks.upload_file_set``); an event then names files by path, and the request may name any
path on the server. Gradio refuses paths outside its upload folder before copying anything,
once its check is on (chatbot.web.ui.page turns it on); the upload callback then accepts a
path only when Gradio's upload endpoint itself wrote it while this server runs: never another
file of the folder, never a symbolic link, never a folder. What passes is ingested exactly as
``newsbot ingest FILE`` would ingest it (the same loaders, the same article ids from the file
names, the same length limit), then removed from the cache.

The upload endpoint itself (``UploadGate``) takes files only from whoever may write to the
index, at most ``UPLOAD_REQUEST_FILES`` files' worth per request, and no more while the cache
holds ``UPLOAD_CACHE_FILES`` files' worth; Gradio deletes what is left there after an hour.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, MutableSet
from contextlib import suppress
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from chatbot.web.middleware import refuse
from chatbot.web.ratelimit import RateLimiter, too_many_keys_message
from chatbot.web.security import KeyChecker, client_id
from index.articles import SUPPORTED_SUFFIXES

UPLOAD_TYPES = sorted(SUPPORTED_SUFFIXES)
UPLOAD_REQUEST_FILES = 10
UPLOAD_CACHE_FILES = 30
# Where the page sends the admin key with an upload (the upload request has no other field).
ADMIN_KEY_HEADER = "X-Admin-Key"
ADMIN_KEY_COOKIE = "newsbot_admin_key"


def upload_request_limit(max_upload_bytes: int) -> int:
    """The largest upload request body: ten files of the largest size, and the form around."""
    return UPLOAD_REQUEST_FILES * max_upload_bytes + 64_000


@dataclass
class CheckedUploads:
    accepted: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def uploaded_path(item: Any) -> str:
    """The path an event's file value names (a FileData dict, or Gradio's path string)."""
    if isinstance(item, dict):
        return str(item.get("path") or "")
    return str(item or "")


def check_uploads(files: Iterable[Any], received: MutableSet[str], max_bytes: int,
                  ) -> CheckedUploads:
    """Split ``files`` (an event's file values) into those that may be ingested and those
    refused, with reasons; ``received`` holds the paths Gradio's upload endpoint wrote."""
    checked = CheckedUploads()
    for item in files:
        named = uploaded_path(item)
        reason = _refusal(named, received, max_bytes)
        if reason:
            checked.refused.append((Path(named).name, reason))
        else:
            checked.accepted.append(Path(named))
    return checked


def _refusal(named: str, received: MutableSet[str], max_bytes: int) -> str:
    path = Path(named)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return (f"unsupported file type {suffix or '(none)'!r}; "
                f"supported: {', '.join(UPLOAD_TYPES)}")
    if named not in received or path.is_symlink() or not path.is_file():
        return "not an uploaded file"
    size = path.stat().st_size
    if size > max_bytes:
        return f"file too large ({size:,} bytes; the limit is {max_bytes:,})"
    return ""


def discard_uploads(paths: Iterable[Path], received: MutableSet[str]) -> None:
    """Remove ingested (or refused) uploads from the cache: each is used once."""
    for path in paths:
        received.discard(str(path))
        with suppress(OSError):
            path.unlink()


def cached_bytes(received: MutableSet[str]) -> int:
    """What the uploads still in the cache take; forgets those already gone."""
    total = 0
    for name in list(received):
        try:
            total += os.lstat(name).st_size
        except OSError:
            received.discard(name)
    return total


class UploadGate:
    """In front of the Gradio app: its upload endpoint takes files only from a caller that may
    write to the index (``writable``; with admin keys, a valid one in the X-Admin-Key header
    or the page's cookie, wrong ones counted like wrong API keys), and only while the cache
    has room for them."""

    def __init__(self, app: ASGIApp, received: MutableSet[str], writable: bool,
                 admin: KeyChecker, limiter: RateLimiter, cache_limit: int) -> None:
        self.app = app
        self.received = received
        self.writable = writable
        self.admin = admin
        self.limiter = limiter
        self.cache_limit = cache_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" \
                or not scope["path"].rstrip("/").endswith("/gradio_api/upload"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal:
            await refuse(scope, send, *refusal)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        if not self.writable:
            return 403, "Uploads need an admin key, and this server has none."
        headers = {name: value.decode("latin-1") for name, value in scope["headers"]}
        if self.admin.required:
            address = client_id(scope["client"][0] if scope.get("client") else None)
            wait = self.limiter.key_wait(address)
            if wait:
                return 429, too_many_keys_message(wait)
            if not self.admin.accepts(_admin_key(headers)):
                self.limiter.wrong_key(address)
                return 403, "Uploads need a valid admin key."
        declared = headers.get(b"content-length", "0")
        incoming = int(declared) if declared.isdigit() else 0
        if cached_bytes(self.received) + incoming > self.cache_limit:
            return 507, ("The upload cache is full: ingest the files already uploaded, or "
                         "try again later.")
        return None


def _admin_key(headers: dict[bytes, str]) -> str | None:
    given = headers.get(ADMIN_KEY_HEADER.lower().encode())
    if given:
        return given
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(headers.get(b"cookie", ""))
    except CookieError:  # a malformed cookie header carries no key
        return None
    morsel = cookie.get(ADMIN_KEY_COOKIE)
    return unquote(morsel.value) if morsel else None
