"""Watched questions: asked again when new articles could change their answer; what changed is
kept (and sent) as a change record.

After an ingest or a feed poll, a watch is re-answered only when one of the new articles holds
two of its question's three rarest terms (by the keyword index's IDF): the cheap pre-check.
Most watches are about other stories, and answering is the costly step; common words ("week",
"say") are in nearly every article, so only the words that name the story count.

A change is recorded when the new answer holds a claim the former one did not (a new
development, a newer report, an answer where there was a decline); the former claims it no
longer holds are what it replaces.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatbot.schema import Answer, Filters, Watch, WatchChange, WatchedClaim
from chatbot.settings import Settings
from chatbot.story.topic import story_topic
from chatbot.story.watch_store import WatchStore, answer_claims
from chatbot.story.webhooks import Webhooks
from index.store.terms import term_set

log = logging.getLogger(__name__)

# The owner of every watch on a server without keys, and of the command line's.
SHARED_OWNER = "shared"
# A new article must hold this many of a question's rarest terms (all, when it has fewer).
_KEY_TERMS = 3
_KEY_TERMS_NEEDED = 2
# A term no text has: its IDF is that of every term the index does not hold.
_NO_TERM = "\x00"

Ask = Callable[[str, Filters | None], Answer]
# The inverse document frequency of a (stemmed) term in the index.
Idf = Callable[[str], float]


@dataclass
class WatchDesk:
    """Adds, lists and removes an owner's watches, and re-checks them after new articles."""

    store: WatchStore
    ask: Ask
    idf: Idf
    webhooks: Webhooks | None = None

    def add(self, owner: str, question: str, filters: Filters | None = None) -> Watch:
        """Watch ``question``: answered now, so the first change is measured against it."""
        return self.store.add(owner, question, filters, self.ask(question, filters))

    def check(self, new_texts: Iterable[str] | None = None,
              watches: Iterable[Watch] | None = None) -> list[WatchChange]:
        """Re-answer the watches (all, or ``watches``) and record what changed. With
        ``new_texts`` (the new articles), only the watches one of them could touch."""
        articles = [term_set(text) for text in new_texts] if new_texts is not None else None
        changes = []
        for watch in self.store.watches() if watches is None else watches:
            if articles is not None and not self._touched(watch.question, articles):
                continue
            try:
                change = self._recheck(watch)
            except Exception:  # one failing watch must not stop the others or the ingest
                log.exception("re-checking watch %s failed", watch.id)
                continue
            if change is not None:
                changes.append(change)
                if self.webhooks is not None:
                    self.webhooks(watch, change)
        return changes

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait for the webhooks queued so far (a command waits before it exits)."""
        return self.webhooks.drain(timeout) if self.webhooks is not None else True

    def _touched(self, question: str, articles: list[frozenset[str]]) -> bool:
        """One of the new articles holds enough of the question's rarest terms: those of the
        story it asks about ("What's the latest on X": X's), among the terms the index holds
        (a word no article has, like "what's", is in no new article either)."""
        unseen = self.idf(_NO_TERM)
        weights = {t: w for t in term_set(story_topic(question) or question)
                   if (w := self.idf(t)) < unseen}
        key = set(sorted(weights, key=lambda t: (-weights[t], t))[:_KEY_TERMS])
        need = min(len(key), _KEY_TERMS_NEEDED)
        return need > 0 and any(len(key & words) >= need for words in articles)

    def _recheck(self, watch: Watch) -> WatchChange | None:
        answer = self.ask(watch.question, watch.filters)
        before = self.store.claims(watch.id)
        now = answer_claims(answer)
        known = {_key(c) for c in before}
        new = [c for c in now if _key(c) not in known]
        kept = {_key(c) for c in now}
        replaces = [c for c in before if _key(c) not in kept] if new else []
        return self.store.record(watch.id, answer, new, replaces)


def open_watches(settings: Settings, ask: Ask, idf: Idf) -> WatchDesk:
    """The watches of the data folder, answered by ``ask``, pre-checked with ``idf``, changes
    sent to the configured webhooks."""
    secret = settings.watch_webhook_secret
    hooks = (Webhooks(settings.watch_webhooks, secret.get_secret_value() if secret else None)
             if settings.watch_webhooks else None)
    return WatchDesk(WatchStore(settings.watches_path), ask, idf, hooks)


def _key(claim: WatchedClaim) -> tuple[str, str]:
    """A claim is the same claim when it says the same from the same day."""
    return " ".join(claim.text.split()).casefold(), claim.published[:10]

