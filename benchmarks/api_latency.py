"""Latency of the HTTP API on the seed store: what a client of `newsbot serve` waits for.

    .venv/bin/python benchmarks/api_latency.py --requests 50

Ingests seeds/ into a fresh store (or uses ``--data-dir`` as it is), then measures, one request
at a time over a kept-alive connection:

* ``ChatService.ask``, in this process: the floor, no HTTP;
* ``POST /api/ask`` against a real ``newsbot serve`` process (uvicorn, FastAPI, the mounted
  Gradio app and middleware included);
* ``POST /api/chat``: time to the first server-sent event and to the last.

Questions cycle through the chat's example questions, so after the first round the query
embedding comes from the model's cache, as it does for repeated questions in production.
Prints a table (milliseconds) and writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from chatbot.service import create_service  # noqa: E402
from chatbot.settings import DEFAULT_EXAMPLE_QUESTIONS, load_settings  # noqa: E402


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"n": len(ordered), "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "mean": round(statistics.fmean(ordered), 1), "min": round(ordered[0], 1),
            "max": round(ordered[-1], 1)}


def timed(run: Callable[[str], Any], count: int, warmup: int) -> list[float]:
    questions = list(DEFAULT_EXAMPLE_QUESTIONS)
    samples = []
    for i in range(warmup + count):
        start = time.perf_counter()
        run(questions[i % len(questions)])
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def start_server(data_dir: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    """`newsbot serve` on a free 127.0.0.1 port, once healthy; ``settings`` become NEWSBOT_*."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_RATE_LIMIT_PER_MINUTE": "0",
           **{f"NEWSBOT_{name.upper()}": value for name, value in settings.items()}}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "newsbot"), "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.5)
    server.kill()
    raise SystemExit("newsbot serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="an existing store; default: fresh seed")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nb-bench-")) / "data"
    settings = load_settings(data_dir=data_dir)
    service = create_service(settings)
    if not args.data_dir:
        service.ingest([REPO / "seeds"])
    rows: dict[str, dict[str, float]] = {
        "ChatService.ask (in process)": summary(timed(service.ask, args.requests, args.warmup))}

    server, url = start_server(data_dir)
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            def ask(question: str) -> None:
                response = client.post("/api/ask", json={"question": question})
                response.raise_for_status()

            rows["POST /api/ask"] = summary(timed(ask, args.requests, args.warmup))

            first_event: list[float] = []

            def chat(question: str) -> None:
                start = time.perf_counter()
                with client.stream("POST", "/api/chat", json={"question": question}) as response:
                    response.raise_for_status()
                    lines = response.iter_lines()
                    next(lines)
                    first_event.append((time.perf_counter() - start) * 1000)
                    for _ in lines:
                        pass

            rows["POST /api/chat (whole stream)"] = summary(timed(chat, args.requests,
                                                                 args.warmup))
            rows["POST /api/chat (first event)"] = summary(first_event[args.warmup:])
    finally:
        server.terminate()
        server.wait(timeout=30)

    print_table(rows, "ms")
    write_results(f"api_latency{args.label}", {"requests": args.requests,
                                               "warmup": args.warmup, "cpus": os.cpu_count(),
                                               "rows": rows})


if __name__ == "__main__":
    main()
