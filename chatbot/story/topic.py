"""Which questions ask for a story rather than a fact: "what's the latest on the truce talks?",
"what has happened with the strike?", "timeline of the Fed's rate decisions".

Such a question is answered with the story's timeline; ``story_topic`` gives the topic the
timeline is built for (the question without its asking words).
"""

from __future__ import annotations

import re

_ASKING = re.compile(
    r"^\s*(?:(?:so|ok|okay|and),?\s+)?(?:"
    r"what(?:'s|’s| is| are)\s+(?:the\s+)?(?:latest|newest|recent|last)\s+(?:news\s+|updates?\s+)?"
    r"(?:on|about|with|in)\s+"
    r"|(?:any|give me|show me|tell me)?\s*(?:the\s+)?(?:latest|news|updates?)\s+(?:news\s+)?"
    r"(?:on|about|with)\s+"
    r"|what\s+(?:has|have)\s+happened\s+(?:with|to|in|on|about|since)\s+"
    r"|(?:what(?:'s|’s| is)\s+)?the\s+story\s+so\s+far\s+(?:on|about|with|in)\s+"
    r"|(?:give me |show me |tell me )?(?:a\s+|the\s+)?timeline\s+(?:of|for|on)\s+"
    r"|(?:give me |show me )?(?:a\s+|the\s+)?(?:story|developments)\s+(?:of|on|in)\s+"
    r")(?P<topic>.+?)\s*[?.!]*\s*$", re.I)


def story_topic(question: str) -> str | None:
    """The story the question asks about, or None when it asks for something else."""
    match = _ASKING.match(question)
    if match is None:
        return None
    topic = match.group("topic").strip(" ,;:")
    return topic if any(c.isalnum() for c in topic) else None
