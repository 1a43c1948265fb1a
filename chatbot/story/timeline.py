"""A story's timeline: its developments, newest first, each one sentence from an article.

The timeline reads the same passages an answer would (the same retrieval and reranking, the
"as of" and outlet filters) and the same sentences (page furniture is never evidence; a
sentence that opens with a pronoun needs the one before it and is not a development on its
own). Each article gives at most one development: its sentence most about the topic, by the
evidence score answers are judged on (meaning and rare-word overlap), and only when that score
reaches the answerer's evidence threshold. Reports of one development by several outlets (wire
copies, paraphrases days apart) become one entry, dated and worded by the earliest report: in a
newsroom, who had it first matters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from chatbot.answering.citations.draft import Claim, Draft, Support, build_answer
from chatbot.answering.evidence import Evidence, sentences_of
from chatbot.answering.extractive import candidate_idf, evidence_score
from chatbot.answering.furniture import display_offset, furniture_kind
from chatbot.schema import Filters, Timeline, TimelineEntry
from chatbot.story.topic import story_topic
from index.dates import day_or_none
from index.embedding import Embedder
from index.store.records import Passage
from index.store.terms import term_set, terms

# The passages a topic's reports are read from, best first (reranked, wire copies kept).
Search = Callable[[str, Filters | None], list[Passage]]

# Reports of one development: this alike in meaning (cosine) ...
SAME_CLAIM_SIMILARITY = 0.8
# ... and published this close together; the same words weeks apart are a new development
# ("the Fed raised rates by 0.75 points" in June and again in July).
SAME_CLAIM_DAYS = 3
# Sentences per article embedded, chosen by rare-word overlap with the topic: the rest cannot
# be the article's development, and embedding is the costly step.
_PER_ARTICLE = 3
_FIGURES = re.compile(r"\d[\d.,:]*")


@dataclass
class Report:
    """An article's development: its sentence (as shown), day (None when the article gives
    none: it is listed after every dated one), score and meaning."""

    evidence: Evidence
    text: str
    start: int
    day: date | None
    score: float
    vector: np.ndarray

    @property
    def sort_day(self) -> date:
        return self.day or date.min

    @property
    def passage(self) -> Passage:
        return self.evidence.passage

    def support(self) -> Support:
        return Support(self.passage, (self.start, self.evidence.span[1]), self.score)


@dataclass
class TimelineBuilder:
    """Builds timelines from passages found by ``search``; thresholds as the answerer's."""

    search: Search
    embedder: Embedder
    min_evidence: float = 0.35
    articles: int = 40
    same_claim: float = SAME_CLAIM_SIMILARITY
    same_claim_days: int = SAME_CLAIM_DAYS

    def build(self, topic: str, filters: Filters | None = None, limit: int = 10) -> Timeline:
        """The timeline of ``topic`` (a topic, or a question asking for the latest on one):
        at most ``limit`` developments, newest first; declined when there is none."""
        topic = topic.strip()
        subject = story_topic(topic) or topic
        groups = group_reports(self.reports(subject, self.search(subject, filters)),
                               self.same_claim, self.same_claim_days)
        groups.sort(key=lambda group: (group[0].sort_day, group[0].score), reverse=True)
        entries = entries_of(groups[:limit])
        return Timeline(topic=topic, as_of=filters.as_of if filters else None,
                        entries=entries, declined=not entries)

    def reports(self, subject: str, passages: list[Passage]) -> list[Report]:
        """Each article's development about ``subject``, for the first ``articles`` articles
        of ``passages`` (in their order) that have one."""
        candidates = [e for e in sentences_of(passages)
                      if e.antecedent is None and furniture_kind(e.text) is None]
        subject_terms = set(terms(subject))
        readings = [term_set(e.reading) for e in candidates]
        idf = candidate_idf(readings)
        weight = sum(idf(t) for t in subject_terms) or 1.0
        by_article: dict[str, list[tuple[float, Evidence]]] = {}
        for item, words in zip(candidates, readings, strict=True):
            overlap = sum(idf(t) for t in subject_terms & words) / weight
            if overlap > 0:
                by_article.setdefault(item.passage.article_key, []).append((overlap, item))
        shortlist = [(overlap, item) for found in list(by_article.values())[:self.articles]
                     for overlap, item in sorted(found, key=lambda o: -o[0])[:_PER_ARTICLE]]
        if not shortlist:
            return []
        shown = [display_offset(item.text) for _, item in shortlist]
        vectors = self.embedder.embed_cached(
            [item.text[offset:] for offset, (_, item) in zip(shown, shortlist, strict=True)])
        subject_vector = self.embedder.embed_query(subject)
        best: dict[str, Report] = {}
        for offset, (overlap, item), vector in zip(shown, shortlist, vectors, strict=True):
            score = evidence_score(float(vector @ subject_vector), overlap, 1.0)
            kept = best.get(item.passage.article_key)
            if score < self.min_evidence or (kept and kept.score >= score):
                continue
            best[item.passage.article_key] = Report(
                item, item.text[offset:], item.span[0] + offset,
                day_or_none(item.passage.published), score, vector)
        return list(best.values())


def group_reports(reports: list[Report], similarity: float = SAME_CLAIM_SIMILARITY,
                  days: int = SAME_CLAIM_DAYS) -> list[list[Report]]:
    """Reports of the same development together, each group earliest report first.

    A report joins the group whose earliest report says the same (meaning this alike, no
    figure that contradicts) at most ``days`` before it; on one day the better report leads.
    """
    groups: list[list[Report]] = []
    for report in sorted(reports, key=lambda r: (r.sort_day, -r.score)):
        for group in groups:
            first = group[0]
            if ((report.sort_day - first.sort_day).days <= days
                    and float(report.vector @ first.vector) >= similarity
                    and _figures_agree(report.text, first.text)):
                group.append(report)
                break
        else:
            groups.append([report])
    return groups


def _figures_agree(a: str, b: str) -> bool:
    """No figure contradicts: the same figures, or one sentence gives none ("the rate rose
    again" and "the rate rose to 4 percent" can be one development; 3 and 4 percent cannot)."""
    fa, fb = set(_FIGURES.findall(a)), set(_FIGURES.findall(b))
    return not fa or not fb or fa == fb


def entries_of(groups: list[list[Report]]) -> list[TimelineEntry]:
    """One entry per group, in the groups' order, its citations numbered across the timeline
    as an answer's are (in order of first use)."""
    draft = Draft([Claim(group[0].text, [r.support() for r in group]) for group in groups])
    answer = build_answer(draft, "")
    entries = []
    for group, claim in zip(groups, answer.claims, strict=True):
        outlets: list[str] = []
        for report in group[1:]:
            outlet = report.passage.source
            if outlet and outlet != group[0].passage.source and outlet not in outlets:
                outlets.append(outlet)
        entries.append(TimelineEntry(
            date=group[0].day.isoformat() if group[0].day else None, claim=claim.text,
            citations=[answer.citations[n - 1] for n in claim.citations],
            also_reported_by=outlets))
    return entries
