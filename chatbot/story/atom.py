"""Atom feeds (RFC 4287) of watched questions' changes: one per watch, one for all of an owner's.

Written with ElementTree, which escapes every text it is given: claims quote articles, and
articles are untrusted. Entries carry plain text (``type="text"``), never markup, and link only
to http(s) article addresses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from chatbot.schema import Watch, WatchChange, date_label

MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_NS = "http://www.w3.org/2005/Atom"
_A = f"{{{_NS}}}"
ET.register_namespace("", _NS)


def atom_feed(title: str, feed_id: str, self_url: str, watches: Sequence[Watch],
              changes: Sequence[WatchChange]) -> bytes:
    """The feed of ``changes`` (newest first) of ``watches``; ``feed_id`` names it for good."""
    questions = {w.id: w.question for w in watches}
    feed = ET.Element(_A + "feed")
    _text(feed, "title", title)
    _text(feed, "id", feed_id)
    ET.SubElement(feed, _A + "link", rel="self", href=self_url)
    updated = max((c.at for c in changes), default=max((w.created for w in watches),
                                                        default="1970-01-01T00:00:00+00:00"))
    _text(feed, "updated", updated)
    author = ET.SubElement(feed, _A + "author")
    _text(author, "name", "newsbot")
    for change in changes:
        entry = ET.SubElement(feed, _A + "entry")
        question = questions.get(change.watch_id, "")
        _text(entry, "title", f"New on: {question}")
        _text(entry, "id", f"{feed_id}:change:{change.id}")
        _text(entry, "updated", change.at)
        link = next((c.url for claim in change.new for c in claim.citations
                     if c.url.lower().startswith(("http://", "https://"))), None)
        if link:
            ET.SubElement(entry, _A + "link", rel="alternate", href=link)
        lines = [f"{claim.source or 'outlet unknown'}, "
                 f"{date_label(claim.published) if claim.published else 'undated'}: {claim.text}"
                 for claim in change.new]
        if change.replaces:
            lines.append("Replaces: " + " ".join(c.text for c in change.replaces))
        _text(entry, "summary", "\n".join(lines)).set("type", "text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def owner_feed_xml(owner: str, self_url: str, watches: Sequence[Watch],
                   changes: Sequence[WatchChange]) -> bytes:
    """The feed of all of an owner's watches (one id whichever link reads it)."""
    return atom_feed("newsbot: your watched questions", f"urn:newsbot:watches:{owner}",
                     self_url, watches, changes)


def watch_feed_xml(watch: Watch, self_url: str, changes: Sequence[WatchChange]) -> bytes:
    """The feed of one watch."""
    return atom_feed(f"newsbot: {watch.question}", f"urn:newsbot:watch:{watch.id}", self_url,
                     [watch], changes)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _A + tag)
    element.text = text
    return element
