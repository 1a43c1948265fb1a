"""Boilerplate removal for article text.

Scraped and exported news text carries lines that are not the story: photo captions and
credits, "More from ..." rails, newsletter and cookie prompts, ad labels, share buttons. They
waste index space, win retrieval for the wrong reasons (a newsletter line repeated across
hundreds of articles) and must never be cited. Cleaning works line by line with named rules
so that what each rule removes can be measured; citations point into the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# Whole lines that are never part of a story, whatever their position.
_BOILERPLATE_LINE_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "caption": r"^(file|stock|archive)?\s*(photo|image|picture|video|graphic)s?\b"
                   r"[^.!?]{0,80}$",
        "credit": r"^\(?\s*(photo|image|picture|video)?\s*(credit|source|courtesy)s?\b.{0,80}$"
                  r"|^\(?(photo|image)s?\s*(by|:).{0,80}$|.{0,60}/\s*(getty images|afp|reuters|"
                  r"ap photo|shutterstock|epa)\)?$",
        "more_from": r"^(more|latest|also|read|see) (from|in|on|more|also)\b[^.!?]{0,80}$"
                     r"|^(related|recommended|read more|most read|trending)( (stories|articles|"
                     r"content|news|topics))?:?[^.!?]{0,60}$",
        "newsletter": r"^.{0,200}\b(sign up|subscribe)\b.{0,120}\bnewsletters?\b.{0,200}$"
                      r"|^.{0,120}\bnewsletters?\b.{0,40}\b(sign up|subscribe)\b.{0,120}$",
        "cookies": r"\b(we|this (web)?site|our (web)?site|our partners) (and .{1,40} )?uses? "
                   r"cookies\b|\b(accept|reject|manage|allow)( all| our)? cookies\b"
                   r"|^(cookie|privacy) (policy|settings|preferences|notice)\.?$",
        "advert": r"^(advertisement|sponsored( content)?|ad feedback|paid content|"
                  r"skip (to|advertisement).{0,40}|how relevant is this ad to you\??|"
                  r"story continues below(advertisement)?.{0,20})$",
        "share": r"^(share|tweet|email|print|copy link|comments?)( (this|on|article|story|via)"
                 r".{0,40})?$"
                 r"|^(follow us|follow .{1,40} on (twitter|x|facebook|instagram)).{0,80}$",
        "rights": r"^(©|\(c\)|copyright\b).{0,120}$|^all rights reserved\.?$",
    }.items()
}

_SENTENCE_END = re.compile(r"[.!?\"'”’)\]]$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# A trailing "line" this short and without sentence punctuation is navigation ("News", "World").
_MAX_TAIL_WORDS = 6


@dataclass
class CleanReport:
    """Characters removed by each rule, for measuring how much boilerplate reaches the index."""

    removed_chars: Counter[str] = field(default_factory=Counter)
    kept_chars: int = 0

    def add(self, other: CleanReport) -> None:
        self.removed_chars.update(other.removed_chars)
        self.kept_chars += other.kept_chars


def normalise_text(text: str) -> str:
    """Unicode NFC, one kind of newline, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def boilerplate_rule(line: str) -> str | None:
    """The name of the rule that marks ``line`` as boilerplate, or None for story text."""
    if len(line) > 400:
        return None
    for name, pattern in _BOILERPLATE_LINE_RULES.items():
        if pattern.search(line):
            return name
    return None


def _is_navigation_crumb(line: str) -> bool:
    return len(line.split()) <= _MAX_TAIL_WORDS and not _SENTENCE_END.search(line)


def clean_text(text: str, report: CleanReport | None = None) -> str:
    """Remove boilerplate lines and trailing navigation; paragraphs stay one per line."""
    report = report if report is not None else CleanReport()
    kept: list[str] = []
    for line in normalise_text(text).split("\n"):
        rule = boilerplate_rule(line) if line else None
        if rule:
            report.removed_chars[rule] += len(line)
        else:
            kept.append(line)
    while kept and (not kept[-1] or _is_navigation_crumb(kept[-1])):
        report.removed_chars["navigation"] += len(kept[-1])
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    cleaned = _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()
    report.kept_chars += len(cleaned)
    return cleaned
