"""An ingest killed with SIGKILL half-way loses nothing: the next run completes, and the store
holds exactly the passages the source files produce, with the keyword index in step.

The killed ingest is a real process writing to a real embedded Chroma store; it reports each
stored article on stdout, so the kill lands while articles are being written, not before.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from chatbot.service import ChatService, create_service
from index.articles import Article
from index.store.records import article_key
from tests.conftest import make_settings
from tests.robustness.store_audit import audit_store

NEWSBOT = Path(sys.executable).parent / "newsbot"
ARTICLES = 40

# Ingests the given paths into the store in argv[1], printing a line per stored article.
# Large embedding batches make the writes of many articles follow each other closely.
_KILLABLE_INGEST = """
import sys
from pathlib import Path
from chatbot.service import create_service
from chatbot.settings import load_settings
from index.pipeline import Progress

class Report(Progress):
    def advance(self, steps=1, passages=0):
        print("stored", flush=True)

service = create_service(load_settings(data_dir=Path(sys.argv[1])))
service.ingestor.embed_batch_passages = 96
service.ingest([Path(p) for p in sys.argv[2:]], progress=lambda total: Report())
"""

_PLACES = ["Port Elms", "Varna Ridge", "Lowmoor", "Castel Bruno", "New Harlow", "Ostrava Bay"]
_TOPICS = ["bridge repairs", "water rates", "school budget", "tram line", "harbour dredging",
           "housing plan", "hospital wing", "flood barrier"]


def write_sources(folder: Path, revision: int) -> list[Path]:
    """Deterministic article files; a new ``revision`` changes every article's text."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(ARTICLES):
        place, topic = rng.choice(_PLACES), rng.choice(_TOPICS)
        paragraphs = [
            f"Officials in {place} voted on the {topic} on day {i} of the session "
            f"(revision {revision}). The council said the cost would reach {rng.randint(2, 90)} "
            f"million after a review of {rng.randint(3, 40)} bids."
            for _ in range(rng.randint(4, 9))]
        lines.append(json.dumps({"id": f"crash-{i:03d}", "title": f"{place} {topic} {i}",
                                 "source": "Gazette", "published": "2024-05-01",
                                 "text": "\n\n".join(paragraphs)}))
    path = folder / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [path]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}


def ingest_killed_half_way(data_dir: Path, sources: list[Path], cwd: Path) -> int:
    """Run an ingest and SIGKILL it once half the articles are stored; returns how many were."""
    process = subprocess.Popen([sys.executable, "-c", _KILLABLE_INGEST, str(data_dir),
                                *map(str, sources)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, cwd=cwd, env=_env(), text=True)
    stored = 0
    try:
        assert process.stdout is not None
        for line in process.stdout:
            stored += line.strip() == "stored"
            if stored >= ARTICLES // 2:
                process.send_signal(signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    return stored


def ingest_to_completion(data_dir: Path, sources: list[Path], cwd: Path) -> dict[str, int]:
    result = subprocess.run([str(NEWSBOT), "--data-dir", str(data_dir), "ingest", "--json",
                             *map(str, sources)], capture_output=True, text=True, cwd=cwd,
                            env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    report: dict[str, int] = json.loads(result.stdout)
    return report


@pytest.mark.slow
def test_ingest_killed_half_way_is_completed_by_the_next_run_without_loss(
        tmp_path: Path, embedder: object) -> None:
    data_dir = tmp_path / "data"
    first = write_sources(tmp_path / "v1", revision=1)
    assert ingest_killed_half_way(data_dir, first, tmp_path) == ARTICLES // 2
    report = ingest_to_completion(data_dir, first, tmp_path)
    # What the killed run stored whole is kept; only the rest is written again.
    assert report["failed"] == 0 and report["unchanged"] >= ARTICLES // 2
    assert report["added"] + report["unchanged"] == ARTICLES
    service = create_service(make_settings(data_dir))
    audit = audit_store(service, first)
    assert not audit.problems(), audit.problems()

    # Killed while replacing every article with a new version: old and new never mix.
    second = write_sources(tmp_path / "v2", revision=2)
    ingest_killed_half_way(data_dir, second, tmp_path)
    report = ingest_to_completion(data_dir, second, tmp_path)
    assert report["failed"] == 0 and report["updated"] + report["unchanged"] == ARTICLES
    audit = audit_store(create_service(make_settings(data_dir)), second)
    assert not audit.problems(), audit.problems()
    assert audit.passages == service.store.count_passages()


def test_leftovers_of_a_write_killed_after_the_version_flip_are_swept_by_the_next_run(
        service: ChatService) -> None:
    """The one window that re-ingesting alone did not repair: killed after the article record
    flipped to the new version but before the old version's passages were deleted."""
    old = Article(id="flip-1", title="Truce", text="Negotiators agreed a truce in Gaza.")
    new = old.model_copy(update={"text": "Negotiators agreed a truce in Gaza on Sunday."})
    service.ingestor.ingest_articles([old])
    leftover = service.store.passages.get(include=["documents", "metadatas", "embeddings"])
    service.ingestor.ingest_articles([new])
    # The state such a kill leaves: the new version current, the old one's passages still there.
    service.store.passages.add(ids=leftover["ids"], embeddings=leftover["embeddings"],
                               documents=leftover["documents"], metadatas=leftover["metadatas"])
    old_ids = leftover["ids"]
    assert service.store.count_passages() == 2

    report = service.ingestor.ingest_articles([new])
    assert report.counts["unchanged"] == 1
    remaining = service.store.passages.get(include=["metadatas"])
    assert old_ids[0] not in remaining["ids"]
    assert {m["article_key"] for m in remaining["metadatas"]} == {article_key("flip-1")}
    assert len(remaining["ids"]) == service.store.count_passages() == 1
    hits = service.store.query(np.asarray(service.embedder.embed_query("truce Gaza")), k=5)
    assert [p.text for p in hits] == [new.text]
