"""``/api/articles``: what the index holds, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chatbot.schema import ArticlePage
from chatbot.web.routes.deps import ERRORS, GUARD, Service, explain

router = APIRouter(prefix="/api", tags=["index"], dependencies=[GUARD])

# The store counts in 32 bits: a larger offset is refused (422) rather than failing there.
MAX_OFFSET = 2**31 - 1


@router.get("/articles", response_model=ArticlePage, responses=ERRORS)
def articles(service: Service, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
             limit: Annotated[int, Query(ge=1, le=500)] = 50) -> ArticlePage:
    """Ingested articles, a page at a time, in the store's order."""
    try:
        return service.articles(offset, limit)
    except Exception as exc:
        raise explain(service, exc) from exc
