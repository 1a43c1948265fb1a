"""Extractive against language-model answers on an eval set: accuracy, support, declines, speed.

    .venv/bin/python benchmarks/answerers.py --questions evals/seed.jsonl \
        --answerers extractive,local,openai --show

Ingests ``--articles`` (default: seeds/) into a fresh store, then asks every question with each
answerer. ``openai`` is the OpenAI-compatible answerer pointed at a llama.cpp server that this
script starts (xllamacpp serving the bundled Qwen model, or ``--openai-gguf``), unless
``--openai-url`` names another endpoint. Columns:

* accuracy: the answer contains the accepted strings (all of them when ``all_required``); an
  ``unanswerable`` question counts when the bot declines;
* declined: share of questions declined; fallback: share answered extractively because the
  model failed (the notice says why);
* support: of the sentences the model wrote, the share kept after citation checking;
* p50 / max seconds per question.

Prints a table (and with ``--show`` every answer verbatim) and writes
benchmarks/results/answerers.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from chatbot.answering.citations.markers import parse_cited_sentences  # noqa: E402
from chatbot.answering.citations.verify import is_decline  # noqa: E402
from chatbot.evaluation.metrics import is_correct  # noqa: E402
from chatbot.schema import Turn  # noqa: E402
from chatbot.service import ChatService, create_service  # noqa: E402
from chatbot.settings import load_settings  # noqa: E402


def correct(question: dict[str, Any], answer: str, declined: bool) -> bool:
    return is_correct(answer, declined, accepted=question.get("answers") or [],
                      all_required=bool(question.get("all_required")),
                      unanswerable=bool(question.get("unanswerable")))


def run(service: ChatService, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for q in questions:
        start = time.perf_counter()
        history = [Turn(**turn) for turn in q.get("history") or []]
        events = list(service.stream(q["question"], history))
        seconds = time.perf_counter() - start
        final = events[-1].answer
        assert final is not None
        reply = "".join(e.delta for e in events[:-1]) if service.llm is not None else ""
        fallback = final.fallback_reason is not None
        written = [s for s in parse_cited_sentences(reply) if not is_decline(s.text)]
        kept = 0 if fallback or final.declined else len(parse_cited_sentences(final.answer))
        rows.append({"id": q.get("id"), "question": q["question"], "answer": final.answer,
                     "notice": final.notice, "declined": final.declined,
                     "correct": correct(q, final.answer, final.declined),
                     "fallback": fallback, "model_sentences": len(written) if not fallback else 0,
                     "kept_sentences": kept, "seconds": round(seconds, 2),
                     "citations": [c.passage for c in final.citations]})
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, float]:
    written = sum(r["model_sentences"] for r in rows)
    seconds = [r["seconds"] for r in rows]
    return {"accuracy": round(statistics.fmean(r["correct"] for r in rows), 3),
            "declined": round(statistics.fmean(r["declined"] for r in rows), 3),
            "fallback": round(statistics.fmean(r["fallback"] for r in rows), 3),
            "support": round(sum(r["kept_sentences"] for r in rows) / written, 3)
            if written else float("nan"),
            "p50_s": round(statistics.median(seconds), 1), "max_s": round(max(seconds), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=REPO / "evals" / "seed.jsonl")
    parser.add_argument("--articles", type=Path, nargs="+", default=[REPO / "seeds"])
    parser.add_argument("--answerers", default="extractive,local")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="Where the bundled model is (or is assembled).")
    parser.add_argument("--openai-url", default=None)
    parser.add_argument("--openai-gguf", type=Path, default=None)
    parser.add_argument("--ids", default="", help="Only these question ids (comma-separated).")
    parser.add_argument("--show", action="store_true", help="Print every answer verbatim.")
    args = parser.parse_args()

    questions = [json.loads(line) for line in args.questions.open() if line.strip()]
    if args.ids:
        wanted = args.ids.split(",")
        questions = [q for q in questions if q.get("id") in wanted]
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="newsbot-answerers-"))
    base = create_service(load_settings(data_dir=data_dir))
    print(f"ingest: {base.ingest(args.articles).counts}; index {base.stats()}")
    overrides: dict[str, Any] = {"llm_timeout": 600.0}
    if args.model_dir:
        overrides["local_model_dir"] = args.model_dir
    server = None
    results: dict[str, Any] = {"questions": len(questions), "rows": {}, "answers": {}}
    for name in args.answerers.split(","):
        extra: dict[str, Any] = {}
        if name == "openai":
            url = args.openai_url
            if url is None:
                from chatbot.llm.local_model import LlamaServer, ensure_model

                gguf = args.openai_gguf or ensure_model(
                    load_settings(data_dir=data_dir, **overrides).model_cache_path)
                server = LlamaServer(gguf)
                url = server.base_url
            extra = {"llm_base_url": url}
        settings = load_settings(data_dir=data_dir, answerer=name, **overrides, **extra)
        service = base.with_settings(settings)
        rows = run(service, questions)
        results["rows"][name] = summary(rows)
        results["answers"][name] = rows
        if name == "openai" and server is not None:
            server.close()
    print_table(results["rows"], "answerer")
    if args.show:
        for q_index, q in enumerate(questions):
            print(f"\n## {q.get('id')}: {q['question']}")
            for name, rows in results["answers"].items():
                r = rows[q_index]
                print(f"- {name} ({r['seconds']} s): {r['answer']}")
                if r["notice"]:
                    print(f"  notice: {r['notice']}")
    write_results("answerers", results)


if __name__ == "__main__":
    main()
