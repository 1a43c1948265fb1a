"""Running an evaluation set through ChatService and summarising what came out.

Each question is asked exactly as a user would ask it (with its chat history and its "as of"
date), through the same ChatService every front end uses; the passages the answerer read are
observed on the way, so retrieval is scored on the context the answer was made from. With a
corpus, the set runs against a store of its own, so the user's index is never touched.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from chatbot.answering.citations.markers import parse_cited_sentences
from chatbot.answering.citations.verify import Source
from chatbot.evaluation import metrics
from chatbot.evaluation.dataset import EvalQuestion
from chatbot.schema import Answer
from chatbot.service import ChatService, QuestionError, create_service
from chatbot.settings import Settings
from index.dates import day_or_none
from index.pipeline import IngestReport, Progress, ProgressFactory
from index.store.records import Passage

# Settings that change what an ingest writes: a corpus store is reused only when all match.
INGEST_SETTINGS = ("embedding_model", "chunk_tokens", "chunk_overlap_sentences",
                   "max_article_chars", "index_name")
# Cut-offs for hit@k; the answerer's own context size is always added.
HIT_KS = (1, 3, 5, 10)
# Answer sizes for accuracy at a fixed length (DESIGN.md: much of "contains" comes from length).
ANSWER_SIZES = (1, 3)


class RetrievedPassage(BaseModel):
    """One passage the answerer read, and whether it counts as relevant."""

    article_id: str
    published: str
    start: int
    end: int
    relevant: bool
    in_window: bool | None = Field(None, description="Published 14 days before to 3 after the "
                                                     "question's date; None without a date.")


class QuestionResult(BaseModel):
    """What happened to one question, as written to results.jsonl."""

    id: str
    category: str
    question: str
    unanswerable: bool
    follow_up: bool = Field(False, description="Asked with a chat history.")
    expected: list[str] = Field(default_factory=list, description="The accepted answers.")
    answer: str = ""
    declined: bool = False
    standalone_question: str = ""
    error: str | None = None
    correct: bool = False
    correct_at: dict[str, bool] = Field(default_factory=dict,
                                        description="Correct when cut to 1 / up to 3 sentences.")
    choice_correct: bool | None = None
    named_choices: list[str] = Field(default_factory=list)
    retrieved: list[RetrievedPassage] = Field(default_factory=list)
    rank: int | None = None
    strict_rank: int | None = None
    retrieval_scored: bool = False
    strict_scored: bool = False
    citation_problems: list[str] = Field(default_factory=list)
    supported_sentences: int = 0
    sentences: int = 0
    timings_ms: dict[str, float] = Field(default_factory=dict)


class RetrievalSummary(BaseModel):
    """hit@k and MRR over the questions that have a relevance judgement."""

    questions: int
    hit_at: dict[str, float | None]
    mrr: float | None


class RunSummary(BaseModel):
    """The figures of one run, as written to summary.json."""

    label: str
    eval_set: str
    questions: int
    errors: int
    accuracy: float | None
    accuracy_at: dict[str, float | None]
    choice_accuracy: float | None
    choice_questions: int
    decline_precision: float | None
    decline_recall: float | None
    declined: int
    unanswerable: int
    false_decline_rate: float | None = None
    false_declines: int = 0
    followup_accuracy: float | None = None
    followup_questions: int = 0
    retrieval: RetrievalSummary
    retrieval_strict: RetrievalSummary
    citation_validity: float | None
    invalid_citation_answers: int
    support: float | None
    latency_ms: dict[str, dict[str, float | None]]
    by_category: dict[str, dict[str, float | int | None]]
    corpus: list[str]
    articles: int
    passages: int
    settings: dict[str, object]
    seconds: float


# -- the store an evaluation runs against -----------------------------------------------------

def corpus_store_dir(settings: Settings, corpus: Sequence[Path]) -> Path:
    """One folder per corpus and ingest configuration, so a re-run reuses its store."""
    identity = {"corpus": sorted(str(p.resolve()) for p in corpus),
                "ingest": {name: str(getattr(settings, name)) for name in INGEST_SETTINGS}}
    digest = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", corpus[0].resolve().name or "corpus")[:40]
    root = settings.eval_store_dir or settings.data_dir / "eval-stores"
    return root / f"{name}-{digest}"


def open_service(settings: Settings, corpus: Sequence[Path] = (),
                 progress: ProgressFactory | None = None,
                 ) -> tuple[ChatService, IngestReport | None]:
    """The service to evaluate: the configured index, or a store holding exactly ``corpus``.

    Ingest is idempotent, so a re-run only re-reads the corpus; articles no longer in it are
    removed, so the store answers from the corpus as it is now.
    """
    if not corpus:
        return create_service(settings), None
    own = settings.model_copy(update={"data_dir": corpus_store_dir(settings, corpus),
                                      "chroma_url": None})
    service = create_service(own)
    report = service.ingest(corpus, progress)
    present = set(report.added) | set(report.updated) | set(report.unchanged)
    stale = [a.id for a in service.all_articles() if a.id not in present]
    if stale:
        service.remove_articles(stale)
    return service, report


# -- asking -----------------------------------------------------------------------------------

class Evaluator:
    """Asks each question through the service and scores the answer against the set."""

    def __init__(self, service: ChatService) -> None:
        self.service = service
        self.verifier = service.verifier
        self._articles: dict[str, str | None] = {}

    def article_text(self, article_id: str) -> str | None:
        """The stored cleaned text of an article (cached: answers cite the same few)."""
        if article_id not in self._articles:
            self._articles[article_id] = self.service.article_text(article_id)
        return self._articles[article_id]

    def run(self, questions: Sequence[EvalQuestion], progress: ProgressFactory | None = None,
            ) -> list[QuestionResult]:
        bar = progress(len(questions)) if progress else Progress()
        results = []
        try:
            for question in questions:
                results.append(self.evaluate(question))
                bar.advance()
        finally:
            bar.close()
        return results

    def evaluate(self, question: EvalQuestion) -> QuestionResult:
        """Ask one question as a user would and score every aspect of the answer."""
        result = QuestionResult(id=question.id, category=question.kind,
                                question=question.question, unanswerable=question.unanswerable,
                                follow_up=bool(question.history),
                                expected=list(question.answers))
        read: list[Passage] = []
        try:
            answer = self.service.ask(question.question, question.history, question.filters(),
                                      on_passages=read.extend)
        except QuestionError as exc:
            result.error = str(exc)
            return result
        result.answer, result.declined = answer.answer, answer.declined
        result.standalone_question = answer.standalone_question
        result.timings_ms = answer.timings_ms
        _score_answer(result, question, answer)
        _score_retrieval(result, question, read)
        result.citation_problems = metrics.citation_problems(answer, self.article_text)
        result.supported_sentences, result.sentences = self.supported_sentences(answer)
        return result

    def supported_sentences(self, answer: Answer) -> tuple[int, int]:
        """(supported, total) answer sentences, each judged against the passages it cites by
        the same check that filters a language model's answers (citations.verify)."""
        if answer.declined:
            return 0, 0
        sources = {c.n: Source.from_text(c.n, c.passage) for c in answer.citations}
        sentences = parse_cited_sentences(answer.answer)
        supported = sum(any(self.verifier.check(s.text, sources[n]).supported
                            for n in s.numbers if n in sources) for s in sentences)
        return supported, len(sentences)


def _score_answer(result: QuestionResult, question: EvalQuestion, answer: Answer) -> None:
    def correct(text: str) -> bool:
        return metrics.is_correct(text, answer.declined, accepted=question.answers,
                                  all_required=question.all_required,
                                  unanswerable=question.unanswerable,
                                  forbidden=question.forbidden)

    result.correct = correct(answer.answer)
    result.correct_at = {str(size): correct(metrics.first_sentences(answer.answer, size))
                         for size in ANSWER_SIZES}
    if question.choices:
        result.choice_correct = metrics.choice_correct(answer.answer, answer.declined,
                                                       question.choices, question.answers)
        result.named_choices = sorted(metrics.named_choices(answer.answer, question.choices))


def _score_retrieval(result: QuestionResult, question: EvalQuestion, read: list[Passage],
                     ) -> None:
    result.retrieval_scored = not question.unanswerable
    result.strict_scored = result.retrieval_scored and question.date is not None
    for passage in read:
        published = day_or_none(passage.published)
        result.retrieved.append(RetrievedPassage(
            article_id=passage.article_id, published=passage.published, start=passage.start,
            end=passage.end,
            relevant=metrics.passage_is_relevant(passage.text, passage.article_id,
                                                 accepted=question.answers,
                                                 expected_sources=question.expected_sources),
            in_window=(metrics.in_date_window(published, question.date)
                       if question.date else None)))
    if result.retrieval_scored:
        result.rank = metrics.first_relevant_rank([p.relevant for p in result.retrieved])
    if result.strict_scored:
        result.strict_rank = metrics.first_relevant_rank(
            [p.relevant and bool(p.in_window) for p in result.retrieved])


# -- summarising ------------------------------------------------------------------------------

def summarize(results: Sequence[QuestionResult], *, label: str, eval_set: Path,
              service: ChatService, corpus: Sequence[Path] = (), seconds: float = 0.0,
              ) -> RunSummary:
    """The run's figures; a metric with no question to measure it on is None ("n/a")."""
    settings = service.settings
    stats = service.stats()
    answered = [r for r in results if r.error is None]
    choice = [r.choice_correct for r in results if r.choice_correct is not None]
    declines = metrics.decline_scores((r.unanswerable, r.declined) for r in results)
    checked = [r for r in answered if not r.declined]
    follow_ups = [float(r.correct) for r in results if r.follow_up or r.category == "follow-up"]
    sentences = sum(r.sentences for r in answered)
    ks = sorted({k for k in HIT_KS if k <= settings.passages} | {settings.passages})
    return RunSummary(
        label=label, eval_set=str(eval_set), questions=len(results),
        errors=len(results) - len(answered),
        accuracy=metrics.mean([float(r.correct) for r in results]),
        accuracy_at={size: metrics.mean([float(r.correct_at.get(size, False)) for r in results])
                     for size in map(str, ANSWER_SIZES)},
        choice_accuracy=metrics.mean([float(c) for c in choice]), choice_questions=len(choice),
        decline_precision=declines.precision, decline_recall=declines.recall,
        declined=declines.declined, unanswerable=declines.unanswerable,
        false_decline_rate=declines.false_decline_rate, false_declines=declines.false_declines,
        followup_accuracy=metrics.mean(follow_ups), followup_questions=len(follow_ups),
        retrieval=_retrieval([r.rank for r in results if r.retrieval_scored], ks),
        retrieval_strict=_retrieval([r.strict_rank for r in results if r.strict_scored], ks),
        citation_validity=metrics.mean([float(not r.citation_problems) for r in checked]),
        invalid_citation_answers=sum(bool(r.citation_problems) for r in answered),
        support=sum(r.supported_sentences for r in answered) / sentences if sentences else None,
        latency_ms=_latency(answered), by_category=_by_category(results),
        corpus=[str(p) for p in corpus], articles=stats.articles, passages=stats.passages,
        settings=settings.model_dump(mode="json"), seconds=round(seconds, 1))


def _retrieval(ranks: list[int | None], ks: list[int]) -> RetrievalSummary:
    return RetrievalSummary(
        questions=len(ranks),
        hit_at={str(k): metrics.mean([float(metrics.hit_at(r, k)) for r in ranks]) for k in ks},
        mrr=metrics.mean([metrics.reciprocal_rank(r) for r in ranks]))


def _latency(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | None]]:
    stages: dict[str, list[float]] = defaultdict(list)
    for result in results:
        for stage, ms in result.timings_ms.items():
            stages[stage].append(ms)
    return {stage: {"p50": metrics.percentile(values, 50), "p95": metrics.percentile(values, 95)}
            for stage, values in stages.items()}


def _by_category(results: Sequence[QuestionResult]) -> dict[str, dict[str, float | int | None]]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for result in results:
        groups[result.category].append(result)
    return {name: {"questions": len(group),
                   "accuracy": metrics.mean([float(r.correct) for r in group])}
            for name, group in sorted(groups.items())}


@dataclass
class EvalRun:
    """One evaluation set run under one configuration."""

    results: list[QuestionResult]
    summary: RunSummary
    ingest: IngestReport | None


def run_eval(settings: Settings, questions: Sequence[EvalQuestion], *, eval_set: Path,
             label: str, corpus: Sequence[Path] = (),
             progress: Callable[[str], ProgressFactory] | None = None) -> EvalRun:
    """Open the service (ingesting the corpus when given), ask every question, summarise.

    ``progress`` makes a progress-bar factory for a unit ("article", "question").
    """
    service, ingest = open_service(settings, corpus, progress("article") if progress else None)
    started = time.perf_counter()
    results = Evaluator(service).run(questions, progress("question") if progress else None)
    summary = summarize(results, label=label, eval_set=eval_set, service=service, corpus=corpus,
                        seconds=time.perf_counter() - started)
    return EvalRun(results, summary, ingest)
