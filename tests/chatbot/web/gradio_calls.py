"""Gradio's own HTTP endpoints called directly, as a script (or an attacker) would: the page's
config, the queue (join, then read the event's stream) and the upload endpoint."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx


def fn_index(chat_url: str, api_name: str) -> int:
    """The index of the page's event named ``api_name`` (``upload``, ``add``, ``show``...)."""
    config = httpx.get(f"{chat_url}/config", timeout=30).json()
    names = [dep.get("api_name") for dep in config["dependencies"]]
    return names.index(api_name)


def run_event(chat_url: str, api_name: str, data: list[Any],
              headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Join the queue with ``data`` for the event ``api_name`` and wait for it to finish;
    the ``process_completed`` message (``success``, ``output``) or the join's refusal."""
    session = f"t{uuid.uuid4().hex[:10]}"
    joined = httpx.post(f"{chat_url}/gradio_api/queue/join", headers=headers, timeout=30, json={
        "fn_index": fn_index(chat_url, api_name), "data": data, "session_hash": session,
        "event_data": None, "trigger_id": None})
    if joined.status_code != 200:
        return {"success": False, "status": joined.status_code, "output": joined.text}
    with httpx.stream("GET", f"{chat_url}/gradio_api/queue/data",
                      params={"session_hash": session}, timeout=120) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            message = json.loads(line[5:])
            if message.get("msg") == "process_completed":
                return dict(message)
    raise AssertionError("the event never completed")


def event_text(message: dict[str, Any]) -> str:
    """Everything an event's outputs (or its error) say, as one string."""
    return json.dumps(message.get("output"), ensure_ascii=False)


def upload_files(chat_url: str, files: list[tuple[str, bytes]],
                 headers: dict[str, str] | None = None) -> httpx.Response:
    """Post ``files`` (name, content) to Gradio's upload endpoint, as the page's File box
    does; a 200 lists the paths Gradio stored them at."""
    return httpx.post(f"{chat_url}/gradio_api/upload", headers=headers, timeout=60,
                      files=[("files", (name, content, "application/octet-stream"))
                             for name, content in files])


def file_data(path: str) -> dict[str, Any]:
    """A file value naming ``path``, as an event's data carries it."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}}
