"""Page furniture is never evidence: captions, credits, "More:" links, crossheads, bylines.

The cleaner (index/clean.py) removes whole lines it recognises at ingest; what reaches the
answerer can still hold furniture that only looks like it in context: a caption written as a
sentence ("SCHWEDT, GERMANY - MAY 03: In this aerial view ..."), a link line glued to a
paragraph ("More:Premiere of ..."), a crosshead without a full stop ("TODAY'S QUOTE"), a
byline. ``furniture_kind`` names what a sentence is, so the answerer can refuse it and the
ranker can learn from it; ``display_text`` trims what a story sentence carries in front of it
(a dateline "WASHINGTON —", an opening "But" or "And") so the answer reads on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RULES: dict[str, re.Pattern[str]] = {
    "link": re.compile(
        r"^\s*(more|read more|read|related|watch|listen|see also|also read|also|opinion|"
        r"recommended|trending|latest|more from [\w .]{1,40}|click here)\s*:", re.I),
    "caption": re.compile(
        # Agency captions: "CITY, STATE - MAY 03: In this aerial view ..."
        r"^[A-Z][A-Z .,'’-]{2,40}\s+[-–—]\s+[A-Z]{3,9}\.? \d{1,2}(, \d{4})?:"
        r"|\((AP|AFP|EPA|Reuters|Getty)?\s*(Photo|Images?)\b[^)]{0,80}\)\s*$"
        r"|\b(photo|image|picture)s?\s*(by|credit|courtesy)\s*:?"
        r"|^\s*(file |stock )?(photo|image|picture|video|graphic)s?\s*:"
        r"|^\s*in this (aerial view|photo|image|file photo|handout|undated|picture|screen ?grab)"
        r"|\b(via|/) ?(getty images|shutterstock|ap photo|afp)\b"
        r"|\bposes? for (a )?(picture|photo|portrait)s?\b", re.I),
    "byline": re.compile(
        r"^\s*by [A-Z][\w.'’-]+( [A-Z][\w.'’-]+){0,3}(\s*(,|and|&)\s*[\w .'’-]{2,60})?\s*$"
        r"|^\s*(written|reported|edited) by\b|^\s*(contact|email|reach) (the )?(author|"
        r"reporter|writer)\b|^\s*updated \d|^\s*published \d", re.I),
    "newsletter": re.compile(
        r"\b(sign up|subscribe)\b.{0,80}\b(newsletters?|inbox|alerts|updates|here)\b"
        r"|\bnewsletters?\b.{0,60}\b(sign up|subscribe|inbox)\b|\bdelivered to your inbox\b"
        r"|\bfollow us on\b|\bdownload (the|our) app\b", re.I),
    # An embedded video's player text, in capitals as the page shows it: "JUST WATCHED <its
    # title> Replay More Videos ...", "MUST WATCH <its title> 01:24".
    "video": re.compile(r"^\s*(JUST WATCHED|MUST WATCH)\b|\bReplay More Videos\b"),
}
# A line without a full stop and this short is a crosshead or label ("TODAY'S QUOTE").
_CROSSHEAD_WORDS = 14
_SENTENCE_END = re.compile(r"[.!?\"'”’)\]:]\s*$")

# "WASHINGTON —", "NEW YORK --", "KYIV, Ukraine (AP) —", "(CNN) —"
_DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z .'’-]{1,40}(?:,\s*[A-Z][\w.]*(?:\s[A-Z][\w.]*){0,2})?\s*"
    r"(?:\((?:AP|AFP|Reuters|CNN|UPI)\))?|\((?:AP|AFP|Reuters|CNN|UPI)\))\s*(?:—|–|--|-)\s+"
    # An agency credit without a dash: "(CNN) Four-time ...", "Washington (CNN) House ...",
    # "New York (CNN Business) Spirit ...".
    r"|^\s*(?:[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,2}\s)?"
    r"\((?:AP|AFP|Reuters|CNN|UPI)(?:\s[A-Z][a-z]+)?\)\s+(?=[A-Z0-9“\"])")
# What is left of a dateline the page split off: "-- The rocket ...".
_LEADING_DASHES = " \t—–-"
LEADING_CONJUNCTION = re.compile(r"^(But|And|Yet|So|Still|However|Meanwhile),?\s+(?=\S)")
_MIN_DISPLAY_WORDS = 4


@lru_cache(maxsize=50_000)
def furniture_kind(sentence: str) -> str | None:
    """What kind of page furniture ``sentence`` is, or None for story text."""
    text = sentence.strip()
    if not text:
        return "empty"
    for kind, pattern in _RULES.items():
        if pattern.search(text):
            return kind
    if len(text.split()) <= _CROSSHEAD_WORDS and not _SENTENCE_END.search(text):
        return "crosshead"
    return None


def display_offset(sentence: str) -> int:
    """How many leading characters to leave out when showing the sentence alone: dashes left
    of a dateline, a dateline and an opening conjunction ("But Taher Al-Nono ..." is shown
    from "Taher")."""
    offset = len(sentence) - len(sentence.lstrip(_LEADING_DASHES))
    if len(sentence[offset:].split()) < _MIN_DISPLAY_WORDS:
        offset = 0
    dateline = _DATELINE.match(sentence[offset:])
    if dateline and len(sentence[offset + dateline.end():].split()) >= _MIN_DISPLAY_WORDS:
        offset += dateline.end()
    conjunction = LEADING_CONJUNCTION.match(sentence[offset:])
    rest = sentence[offset + conjunction.end():] if conjunction else ""
    if conjunction and rest[:1].isupper() and len(rest.split()) >= _MIN_DISPLAY_WORDS:
        offset += conjunction.end()
    return offset


def display_text(sentence: str) -> str:
    """The sentence as shown alone (a verbatim tail of it): no dateline, and no opening
    conjunction when the word after it is capitalised ("But Taher Al-Nono told ...")."""
    return sentence[display_offset(sentence):]


def needs_preceding(sentence: str) -> bool:
    """The sentence opens with a conjunction that cannot be dropped ("But the group ..."):
    it is shown together with the sentence before it."""
    text = display_text(sentence)
    return bool(LEADING_CONJUNCTION.match(text))
