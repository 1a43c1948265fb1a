"""Is a rewritten follow-up a question a person could have typed?

A rule that misfires produces things like "What does what does Israel insist on require before
hostage talks?" or "Why: What is ...?": a doubled phrase, two questions run together. Every
rewrite (the rules' and a language model's) is checked here before it is searched for and shown
under "Searched for"; one with a problem is replaced by the plain question plus the
conversation's key names.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_CONTEXT = re.compile(r"\s*\((?:about|context)\b[^()]*\)\s*$")
_QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which".split())
# Longest phrase checked for an immediate repeat ("what does what does").
_MAX_REPEAT = 4


def split_context(text: str) -> tuple[str, str]:
    """(the question, its trailing "(about ...)" context or "")."""
    match = _CONTEXT.search(text)
    if not match:
        return text.strip(), ""
    return text[:match.start()].strip(), match.group().strip()


def doubled_phrase(text: str) -> str | None:
    """The first phrase of one to four words that is immediately repeated, if any."""
    words = [w.lower() for w in _WORD.findall(text)]
    for size in range(1, _MAX_REPEAT + 1):
        for i in range(len(words) - 2 * size + 1):
            if words[i:i + size] == words[i + size:i + 2 * size]:
                return " ".join(words[i:i + size])
    return None


def rewrite_problems(text: str) -> list[str]:
    """What keeps ``text`` from being one well-formed question; empty when it is one."""
    question, _ = split_context(text)
    problems: list[str] = []
    if not _WORD.search(question):
        return ["no words"]
    repeated = doubled_phrase(text)
    if repeated:
        problems.append(f"repeats {repeated!r}")
    if not (question[0].isupper() or question[0].isdigit() or question[0] in "\"'“‘$"):
        problems.append("does not start a sentence")
    if question[-1] not in "?.!":
        problems.append("does not end a sentence")
    if question.count("?") > 1 or ("?" in question and not question.endswith("?")):
        problems.append("runs two questions together")
    if re.search(r"[:;]\s*(?:" + "|".join(_QUESTION_WORDS) + r")\b", question, re.IGNORECASE):
        problems.append("joins a question onto another")
    return problems
