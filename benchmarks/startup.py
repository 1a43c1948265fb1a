"""How long newsbot takes to start: ``--help``, one ``ask`` on the seed store, ``serve`` to healthy.

    .venv/bin/python benchmarks/startup.py [--before REV] [--repeats 5]

Each measurement is a fresh process, as a user runs it (the operating system's file cache is
warm after the first run; nothing is dropped). The seed store is built by ``newsbot ingest
seeds/`` into a temporary folder. With ``--before`` the same commands also run from a
copy of that revision (``git archive``, with its own seed store), and the two alternate run
by run, so both see the same machine load. Prints a table (median and best of the runs, seconds) and
writes JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402

QUESTION = "What does Hamas require before hostage talks?"


def _env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONPATH"] = str(tree)
    return env


def newsbot(tree: Path, *args: str, cwd: Path) -> float:
    """Run ``newsbot ARGS`` from ``tree``; returns seconds (fails loudly on an error)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "chatbot.cli", *args], cwd=cwd,
                            env=_env(tree), capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"newsbot {' '.join(args)} failed: {result.stderr[-2000:]}")
    return elapsed


def serve_until_healthy(tree: Path, data_dir: Path, cwd: Path) -> float:
    """Start ``newsbot serve``; seconds until /api/health answers 200. Stops it after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "--data-dir", str(data_dir), "serve", "--port",
         str(port)], cwd=cwd, env=_env(tree), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health",
                                            timeout=2) as response:
                    if response.status == 200:
                        return time.perf_counter() - start
            except OSError:
                pass
            if process.poll() is not None:
                raise RuntimeError("newsbot serve exited before it was healthy")
            if time.perf_counter() - start > 300:
                raise RuntimeError("newsbot serve not healthy after 300 s")
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=60)


def measure_once(tree: Path, data_dir: Path, cwd: Path) -> dict[str, float]:
    return {
        "help_s": newsbot(tree, "--help", cwd=cwd),
        "ask_s": newsbot(tree, "--data-dir", str(data_dir), "ask", QUESTION, cwd=cwd),
        "serve_healthy_s": serve_until_healthy(tree, data_dir, cwd),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", help="also measure this git revision (e.g. main)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="newsbot-startup-"))
    trees: dict[str, Path] = {}
    try:
        if args.before:
            checkout = work / "before"
            checkout.mkdir()
            archive = subprocess.run(["git", "archive", args.before], cwd=REPO, check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(checkout)], input=archive, check=True)
            trees[f"before ({args.before})"] = checkout
        trees["after (this tree)"] = REPO
        data: dict[str, Path] = {}
        for n, (name, tree) in enumerate(trees.items()):
            data[name] = work / f"data-{n}"
            newsbot(tree, "--data-dir", str(data[name]), "ingest", str(REPO / "seeds"), cwd=work)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for repeat in range(args.repeats):
            order = list(trees) if repeat % 2 == 0 else list(reversed(trees))
            for name in order:
                runs[name].append(measure_once(trees[name], data[name], work))
                print(f"{name} run {repeat + 1}: " + ", ".join(
                    f"{k} {v:.2f}" for k, v in runs[name][-1].items()), flush=True)
        rows: dict[str, dict[str, Any]] = {}
        for name, results in runs.items():
            row: dict[str, Any] = {}
            for key in results[0]:
                values = [r[key] for r in results]
                row[f"{key} median"] = round(statistics.median(values), 2)
                row[f"{key} best"] = round(min(values), 2)
            rows[name] = row
        print_table(rows, "tree")
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cpus")
        write_results("startup", {"rows": rows, "runs": runs, "load": load,
                                  "cpus": os.cpu_count()})
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
