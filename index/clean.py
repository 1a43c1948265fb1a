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

from index.chunking import sentence_spans

# Whole lines that are never part of a story, whatever their position.
_BOILERPLATE_LINE_RULES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "caption": r"^(file|stock|archive)?\s*(photo|image|picture|video|graphic)s?\b"
                   r"[^.!?]{0,80}$|^(photos?|gallery|video|watch|listen):\s",
        "credit": r"^\(?\s*(photo|image|picture|video)?\s*(credit|source|courtesy)s?\b.{0,80}$"
                  r"|^\(?(photo|image)s?\s*(by|:).{0,80}$|.{0,60}/\s*(getty images|afp|reuters|"
                  r"ap photo|shutterstock|epa)\)?$",
        "more_from": r"^(more|latest|also|read|see) (from|in|on|more|also)\b[^.!?]{0,80}$"
                     r"|^(related|recommended|read more|most read|trending)( (stories|articles|"
                     r"content|news|topics))?:?[^.!?]{0,60}$",
        # A link to another story glued to its label: "More:Premiere of documentary on ...".
        "link": r"^(more|read more|watch|related|see also|also read)\s*:\s*\S[^\n]{0,160}$",
        "newsletter": r"^.{0,200}\b(sign up|subscribe)\b.{0,120}\bnewsletters?\b.{0,200}$"
                      r"|^.{0,120}\bnewsletters?\b.{0,40}\b(sign up|subscribe)\b.{0,120}$"
                      r"|^.{0,80}\b(version of this story (first )?appeared in|would you like to "
                      r"receive|daily digest of news)\b.{0,200}$",
        "promotion": r"^.{0,160}\bsign(ing)? up\b.{0,80}\b(here|now|today|alerts|updates)\b"
                     r".{0,60}$|\b(delivered|straight) to your (inbox|phone)\b"
                     r"|\bsupport (local|strong local|our) journalism\b|\bdigital subscriber\b"
                     r"|\bsubscriber-only\b|^for subscribers:|supporting our journalism"
                     r"|^(flash sale|never miss a moment|get text updates)\b"
                     r"|get up to speed and on with your day|check your local forecast"
                     r"|keep refreshing this page|want (this|more)\b.{0,40}\binbox\b"
                     r"|take .{0,20}news quiz|subscribe to .{0,40}\bhere\b",
        "byline": r"^(contact|reach|call|email|send)\b.{0,160}(@|\bat \(?\d{3})"
                  r"|^.{0,120}\b(covers|reporter|editor)\b.{0,120}@\w"
                  r"|^[\w .'-]{3,60} is an? [\w ]{0,40}(editor|reporter|writer|correspondent|"
                  r"columnist) (at|for|with) [\w .]{2,40}\.?$"
                  r"|^(contributing|from .{0,40} (network and )?wire reports)\b.{0,120}$"
                  r"|^[\w ,.]{0,40}\b(cnn|ap|reuters)( business)?\s*[—–-]$",
        "disclosure": r"\bis an? .{0,40} content partner\b|independently chosen by .{0,40}"
                      r"editors|may earn us a commission|prices were accurate at the time"
                      r"|^this story has been updated\b.{0,60}$|transcript was automatically "
                      r"generated|is (made possible|supported) in part by a grant"
                      r"|^prefer to listen\?|^podcasts?:|hit play on the player above",
        "privacy": r"\b(we will use the (details|information) you have shared|if you wish to "
                   r"object to the use of your data|'we' includes .{0,60} brands)\b",
        "cookies": r"\b(we|this (web)?site|our (web)?site|our partners) (and .{1,40} )?uses? "
                   r"cookies\b|\b(accept|reject|manage|allow)( all| our)? cookies\b"
                   r"|^(cookie|privacy) (policy|settings|preferences|notice)\.?$",
        "advert": r"^(advertisement|sponsored( content)?|ad feedback|paid content|"
                  r"skip (to|advertisement).{0,40}|how relevant is this ad to you\??|"
                  r"story continues below(advertisement)?.{0,20})$",
        "share": r"^(share|tweet|email|print|copy link|comments?)( (this|on|article|story|via)"
                 r".{0,40})?$"
                 r"|^(follow us|follow .{1,40} on (twitter|x|facebook|instagram)).{0,120}$",
        "rights": r"^(©|\(c\)|copyright\b).{0,120}$|^all rights reserved\.?$",
    }.items()
}

# Words that appear in boilerplate sentences; lines without them skip the sentence pass.
_TRIGGER = re.compile(r"sign|newsletter|subscri|inbox|cookie|follow|contact|@|podcast|"
                      r"commission|journalism|updated", re.IGNORECASE)
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


def _clean_line(line: str, report: CleanReport) -> str:
    """The line without its boilerplate sentences, or nothing when it is mostly boilerplate.

    Rules are applied sentence by sentence: scraped paragraphs often end with a prompt
    ("... Sign up here for the newsletter."), and the story sentences before it must survive.
    """
    rule = boilerplate_rule(line)
    if rule is None and not _TRIGGER.search(line):
        return line
    spans = sentence_spans(line)
    if len(spans) <= 1:
        if rule:
            report.removed_chars[rule] += len(line)
            return ""
        return line
    rules = [boilerplate_rule(line[start:end]) for start, end in spans]
    flagged = [r for r in rules if r]
    if 2 * len(flagged) >= len(spans):
        # Mostly prompt: its other sentences are the prompt's lead-in ("If your day ...").
        report.removed_chars[flagged[0] if flagged else rule or "promotion"] += len(line)
        return ""
    kept = []
    for (start, end), sentence_rule in zip(spans, rules, strict=True):
        if sentence_rule:
            report.removed_chars[sentence_rule] += end - start
        else:
            kept.append(line[start:end])
    return " ".join(kept)


def clean_text(text: str, report: CleanReport | None = None) -> str:
    """Remove boilerplate lines and sentences and trailing navigation; one paragraph per line."""
    report = report if report is not None else CleanReport()
    kept: list[str] = []
    for line in normalise_text(text).split("\n"):
        cleaned_line = _clean_line(line, report) if line else ""
        if cleaned_line or not line:
            kept.append(cleaned_line)
    while kept and (not kept[-1] or _is_navigation_crumb(kept[-1])):
        report.removed_chars["navigation"] += len(kept[-1])
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    cleaned = _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()
    report.kept_chars += len(cleaned)
    return cleaned
