"""Citations are data, not prose: claims travel with the passages that support them.

An answerer produces a Draft (claims, each with its supporting passages); ``build_answer``
numbers the passages in order of first use and writes one ``[n]`` after every sentence, so the
answer text and its citation list can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from chatbot.schema import Answer, Citation
from index.chunking import Span, sentence_spans
from index.embedding import Embedder
from index.store import Passage
from index.terms import STOP_WORDS, terms, tokens

DECLINE_MESSAGE = "The sources I have do not answer that."
# The decline when filters limited the search (the Answer's ``filtered``).
DECLINE_IN_SELECTION = ("The sources I have do not answer that in the outlets and dates you "
                        "selected.")


@dataclass(frozen=True)
class Support:
    """A passage backing a claim, and the span (absolute, in the article) that says it."""

    passage: Passage
    span: Span
    score: float


@dataclass
class Claim:
    """One answer sentence (without citation markers) and what supports it."""

    text: str
    supports: list[Support]


@dataclass
class Draft:
    """An answer before numbering. No claims means the answerer declines."""

    claims: list[Claim]
    best_score: float = 0.0
    notice: str | None = None
    closest: list[Passage] = field(default_factory=list)

    @property
    def declined(self) -> bool:
        return not self.claims


def build_answer(draft: Draft, standalone: str) -> Answer:
    """Number the cited passages in order of first use and end each sentence with its [n].

    A decline carries no citations (it claims nothing) but lists the closest passages, so the
    user can read what the sources do say.
    """
    if draft.declined:
        return Answer(answer=DECLINE_MESSAGE, declined=True, standalone_question=standalone,
                      notice=draft.notice,
                      closest=[_citation(n, p, p.scores.get("rerank", p.scores.get("dense", 0.0)))
                               for n, p in enumerate(draft.closest, 1)])
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[str] = []
    for claim in draft.claims:
        markers = []
        for support in claim.supports:
            passage = support.passage
            if passage.id not in numbers:
                numbers[passage.id] = len(numbers) + 1
                citations.append(_citation(numbers[passage.id], passage, support.score))
            citation = citations[numbers[passage.id] - 1]
            if support.span not in citation.highlights:
                citation.highlights.append(support.span)
            if f"[{citation.n}]" not in markers:
                markers.append(f"[{citation.n}]")
        sentences.append(f"{claim.text.strip()} {''.join(markers)}")
    return Answer(answer=" ".join(sentences), citations=citations,
                  standalone_question=standalone, notice=draft.notice)


def _citation(n: int, passage: Passage, score: float) -> Citation:
    return Citation(n=n, article_id=passage.article_id, title=passage.title,
                    source=passage.source, url=passage.url, published=passage.published,
                    passage=passage.text, start=passage.start, end=passage.end,
                    score=round(score, 4))


# -- checking a language model's answer -------------------------------------------------------
#
# A model is asked to end every sentence with [n], n numbering the sources it was shown. What
# it writes is only a proposal: each sentence is kept only when a source supports it. Support
# is measured against the source sentence most similar to the claim together with the sentence
# before it (which holds the subject a "He added" or "But it" refers to), by signals that fail
# differently:
#
# * similarity: the bundled embedding model's cosine between the claim and that sentence (or
#   its best clause: a short claim restates one clause of a long sentence). Low for a claim
#   about something else, or that recombines the source's words; but it stays high when one
#   detail is changed.
# * coverage: the share of the claim's content words (index.terms: stemmed, stop words out)
#   found there. Catches an added fact, a word the sources never used.
# * names and numbers: every name (a capitalised word) and every number of the claim must be
#   there. The most common fabrication of small models is the right sentence with the wrong
#   party, place, day or figure, which similarity and coverage alone let through.
# * polarity: a word negated on one side only ("is ready" against "is not ready").
# * a bare answer of a few words ("John Kirby") has no meaning of its own to compare: every
#   word of it must be in the source.
#
# Contradiction without those markers ("the campaign has ended" against "until Israel ends its
# campaign") is beyond these signals; the figures are in benchmarks/support_thresholds.py.

# Thresholds calibrated on evals/support.jsonl (real model sentences, paraphrases and
# fabrications about the seed article); run benchmarks/support_thresholds.py for the figures.
MIN_SUPPORT_SIMILARITY = 0.68
MIN_SUPPORT_COVERAGE = 0.6

_MARKER = re.compile(r"\[\s*(?:sources?\s*)?(\d+(?:\s*(?:,|;|and|&)\s*(?:sources?\s*)?\d+)*)\s*\]",
                     re.IGNORECASE)
_LEADING_MARKERS = re.compile(rf"^\s*(?:{_MARKER.pattern}\s*)+", re.IGNORECASE)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_DECLINE = re.compile(
    r"\b(?:do|does|did|can|could)(?:\s*not|n't)\s+(?:answer|say|mention|contain|provide|state|"
    r"include|specify|give)\b|\bcannot\s+(?:answer|say|tell)\b|\bno information\b|"
    r"\bnot (?:mentioned|stated|specified|provided|answered)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*")
_LOWER_CASE = re.compile(r"\b[a-z][\w'’.-]*")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d|\b(?:zero|one|two|three|four|five|six|seven|eight|nine|"
                     r"ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|"
                     r"billion|trillion|dozen|half|double|twice|triple|first|second|third|"
                     r"fourth|fifth|last)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+(?:that|but|and|while|who|which)\s+")
_NEGATIONS = frozenset({"not", "no", "never", "cannot", "without", "nor", "neither"})
# A claim this short is a bare answer ("Egypt", "John Kirby"), checked word by word.
_FRAGMENT_WORDS = 4
# How far after a negation the negated word may be ("did not yet fully expect").
_NEGATION_REACH = 3


@dataclass(frozen=True)
class Source:
    """A numbered excerpt shown to the model: consecutive sentences of one passage."""

    n: int
    passage: Passage
    sentences: tuple[tuple[Span, str], ...]

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.sentences)

    @classmethod
    def from_text(cls, n: int, text: str, article_id: str = "text") -> Source:
        """A source made of plain text (labelled sets, benchmarks), split into sentences."""
        passage = Passage(id=f"{article_id}-{n}", article_id=article_id, article_key=article_id,
                          version="", text=text, start=0, end=len(text),
                          sentences=sentence_spans(text))
        return cls(n, passage, tuple(passage.sentence_texts()))


@dataclass
class CitedSentence:
    """One sentence of a model's answer, its citation markers taken out."""

    text: str
    numbers: list[int]


def parse_cited_sentences(text: str) -> list[CitedSentence]:
    """Split a model's answer into sentences with the source numbers each one cites.

    Markers right after a sentence's full stop ("... talks. [1] Next ...") belong to the
    sentence before them; "[1, 2]", "[1][2]" and "[Source 1]" are all read.
    """
    sentences: list[CitedSentence] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        leading = _LEADING_MARKERS.match(piece)
        if leading and sentences:
            sentences[-1].numbers.extend(_numbers(leading.group()))
            piece = piece[leading.end():]
        numbers = _numbers(piece)
        clean = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _MARKER.sub("", piece))
        clean = _BULLET.sub("", " ".join(clean.split())).replace("**", "")
        if clean:
            sentences.append(CitedSentence(clean, numbers))
        elif numbers and sentences:
            sentences[-1].numbers.extend(numbers)
    return sentences


def _numbers(text: str) -> list[int]:
    return [int(n) for match in _MARKER.finditer(text) for n in re.findall(r"\d+", match[1])]


def is_decline(sentence: str) -> bool:
    """Whether a sentence says the sources do not answer (in the words models use for it)."""
    return bool(_DECLINE.search(sentence))


@dataclass(frozen=True)
class SupportCheck:
    """How well one source supports one sentence (see the measure above)."""

    similarity: float
    coverage: float
    missing: tuple[str, ...]  # names and numbers of the sentence the source lacks
    contradicted: tuple[str, ...]  # words negated on one side only
    span: Span  # the source sentence most like the claim
    fragment: bool = False  # a few words, not a sentence ("John Kirby")

    @property
    def contradicts(self) -> bool:
        """The source is about the same thing and negates a word the sentence asserts (or the
        other way round). When the cited source does, no other source may rescue the sentence:
        the model misread its source, it did not slip on a number."""
        return bool(self.contradicted) and self.similarity >= MIN_SUPPORT_SIMILARITY

    @property
    def supported(self) -> bool:
        if self.missing or self.contradicted:
            return False
        if self.fragment:
            # "John Kirby [1]" answering "Which spokesman ...?": a few words are not a sentence
            # to compare meanings with, so every one of them must be in the source instead.
            return self.coverage == 1.0
        return (self.similarity >= MIN_SUPPORT_SIMILARITY
                and self.coverage >= MIN_SUPPORT_COVERAGE)


@dataclass
class Removed:
    """A sentence of the model's answer that was not kept, and why."""

    text: str
    reason: str


@dataclass
class Verification:
    """A model's answer after checking: the supported claims and what was removed.

    ``cited`` counts sentences that cited a source that exists (a reply with none did not
    follow the format at all); ``recited`` counts claims whose citation was corrected.
    """

    claims: list[Claim]
    removed: list[Removed]
    cited: int = 0
    recited: int = 0
    declined: bool = False

    @property
    def notice(self) -> str | None:
        """What the user is told about removed sentences (None when nothing was removed)."""
        if not self.removed:
            return None
        total = len(self.claims) + len(self.removed)
        if not self.claims:
            return ("The language model's answer was withheld: none of its sentences is "
                    "supported by the sources.")
        one = len(self.removed) == 1
        return (f"{len(self.removed)} of {total} sentences of the language model's answer "
                f"{'was' if one else 'were'} removed: the sources do not support "
                f"{'it' if one else 'them'}.")


class CitationVerifier:
    """Keeps the sentences of a model's answer that their cited source supports."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def verify(self, answer: str, sources: list[Source]) -> Verification:
        """Check every sentence of ``answer`` against the numbered ``sources`` it was written from.

        A sentence is kept, cited to the sources that support it, when a source it cites
        supports it. In a reply that cites at all, a sentence whose number is missing or wrong
        is cited to the source that does support it (``recited``): small models slip on
        numbers far more often than on facts. A reply that cites nothing gets no such help
        (it did not follow the format, and copying source text unprompted is not an answer).
        Everything else is removed: a number that was never shown, no support anywhere, or a
        cited source that says the opposite (then no other source may rescue the sentence).
        Sentences that claim nothing ("Sure.") are dropped silently; a sentence saying the
        sources do not answer marks a decline.
        """
        sentences = [s for s in parse_cited_sentences(answer) if terms(s.text)]
        declines = [s for s in sentences if is_decline(s.text)]
        claims_in = [s for s in sentences if not is_decline(s.text)]
        result = Verification([], [], declined=bool(declines))
        if not claims_in:
            return result
        checks = self._checks([s.text for s in claims_in], sources)
        by_number = {source.n: i for i, source in enumerate(sources)}
        cited_sets = [[by_number[n] for n in dict.fromkeys(s.numbers) if n in by_number]
                      for s in claims_in]
        result.cited = sum(1 for cited in cited_sets if cited)
        for sentence, cited, row in zip(claims_in, cited_sets, checks, strict=True):
            if any(row[i].contradicts for i in cited):
                result.removed.append(Removed(sentence.text, "the cited source says the opposite"))
                continue
            keep = [i for i in cited if row[i].supported]
            if not keep and result.cited:
                # The reply follows the format, so a missing or wrong number is a slip.
                others = [i for i in range(len(sources)) if i not in cited and row[i].supported]
                if others:
                    keep = [max(others, key=lambda i: row[i].similarity)]
                    result.recited += 1
            if keep:
                result.claims.append(Claim(sentence.text, [
                    Support(sources[i].passage, row[i].span, row[i].similarity) for i in keep]))
            else:
                result.removed.append(Removed(sentence.text, _reason(sentence, by_number)))
        return result

    def check(self, sentence: str, source: Source) -> SupportCheck:
        """How well ``source`` supports ``sentence`` (one pair; verify() batches many)."""
        return self._checks([sentence], [source])[0][0]

    def _checks(self, sentences: list[str], sources: list[Source]) -> list[list[SupportCheck]]:
        """A SupportCheck for every (sentence, source) pair, embedding everything in one batch."""
        texts = [text for source in sources for _, text in source.sentences]
        pieces = [clauses(text) for text in texts]
        flat = [piece for group in pieces for piece in group]
        vectors = self.embedder.embed_passages(sentences + flat)
        piece_similarity = vectors[:len(sentences)] @ vectors[len(sentences):].T
        # A sentence's similarity is that of its best piece (itself, a clause, two clauses).
        bounds = np.cumsum([0] + [len(group) for group in pieces])
        similarity = np.stack([piece_similarity[:, lo:hi].max(axis=1)
                               for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)],
                              axis=1) if texts else np.zeros((len(sentences), 0))
        facts = [_Facts.of(text) for text in texts]
        names = _known_names(texts)
        rows: list[list[SupportCheck]] = []
        for row_index, sentence in enumerate(sentences):
            claim = _Facts.of(sentence)
            required = _claim_names(sentence, names) | claim.numbers
            row: list[SupportCheck] = []
            offset = 0
            for source in sources:
                count = len(source.sentences)
                if not count:
                    row.append(SupportCheck(0.0, 0.0, (), (), (source.passage.start,) * 2))
                    continue
                scores = similarity[row_index, offset:offset + count]
                best = int(scores.argmax())
                window = _Facts.union(facts[offset + max(best - 1, 0):offset + best + 1])
                offset += count
                shared = claim.terms & window.terms
                row.append(SupportCheck(
                    similarity=float(scores[best]),
                    coverage=len(shared) / len(claim.terms) if claim.terms else 0.0,
                    missing=tuple(sorted(required - window.terms - window.numbers)),
                    contradicted=tuple(sorted((claim.negated ^ window.negated) & shared)),
                    span=source.sentences[best][0],
                    fragment=len(sentence.split()) <= _FRAGMENT_WORDS))
            rows.append(row)
        return rows


def clauses(sentence: str) -> list[str]:
    """The sentence, its clauses of three words or more, and each two neighbouring clauses.

    A short claim ("Al-Nono is Haniyeh's media advisor") restates one clause of a long
    sentence; compared with the whole sentence its similarity is diluted by the rest.
    """
    parts = [p.strip() for p in _CLAUSE_BREAK.split(sentence) if len(p.split()) >= 3]
    pairs = [f"{a} {b}" for a, b in zip(parts, parts[1:], strict=False)]
    return [sentence, *(parts if len(parts) > 1 else []), *pairs]


@dataclass(frozen=True)
class _Facts:
    """What the support measure compares in a text: its terms, numbers and negated terms."""

    terms: frozenset[str]
    numbers: frozenset[str]
    negated: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Facts:
        words = tokens(text)
        negated = set()
        for i, word in enumerate(words):
            if word in _NEGATIONS or word.endswith("n't"):
                following = [w for w in words[i + 1:i + 1 + _NEGATION_REACH]
                             if w not in STOP_WORDS]
                negated.update(terms(following[0]) if following else [])
        return cls(frozenset(terms(text)),
                   frozenset(n.replace(",", "").lower() for n in _NUMBER.findall(text)),
                   frozenset(negated))

    @classmethod
    def union(cls, parts: list[_Facts]) -> _Facts:
        return cls(frozenset().union(*(p.terms for p in parts)),
                   frozenset().union(*(p.numbers for p in parts)),
                   frozenset().union(*(p.negated for p in parts)))


def _known_names(texts: list[str]) -> set[str]:
    """Terms the sources write as names: capitalised in mid-sentence, or opening a sentence and
    never written in lower case ("Hamas rejects ...")."""
    lower = set(terms(" ".join(w for text in texts for w in _LOWER_CASE.findall(text))))
    found: set[str] = set()
    for text in texts:
        for match in _CAPITALISED.finditer(text):
            stems = terms(match.group())
            found.update(stems if match.start() > 0 else set(stems) - lower)
    return found


def _claim_names(sentence: str, known: set[str]) -> set[str]:
    """The claim's names: capitalised words, the first one only if the sources know it as a
    name (a sentence's first word is capitalised anyway: "However", "The")."""
    found: set[str] = set()
    for match in _CAPITALISED.finditer(sentence):
        stems = set(terms(match.group()))
        found.update(stems if match.start() > 0 else stems & known)
    return found


def _reason(sentence: CitedSentence, by_number: dict[int, int]) -> str:
    missing = [n for n in sentence.numbers if n not in by_number]
    if missing:
        return f"cites source {missing[0]}, which does not exist"
    if not sentence.numbers:
        return "no citation, and no source supports it"
    return "not supported by the cited source or any other"
