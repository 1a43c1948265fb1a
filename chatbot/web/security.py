"""What stands between a request and an answer: API keys and the client's identity for rate
limiting."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from pydantic import SecretStr


class KeyChecker:
    """Accepts a request when its key equals one of the configured keys.

    Every configured key is compared, in constant time, whatever matches first: how long a
    check takes says nothing about how much of a guess was right.
    """

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._keys = [key.get_secret_value().encode("utf-8") for key in keys]

    @property
    def required(self) -> bool:
        return bool(self._keys)

    def accepts(self, given: str | None) -> bool:
        if not self.required:
            return True
        candidate = (given or "").encode("utf-8")
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(candidate, key)
        return matched


def client_id(host: str | None, api_key: str | None = None) -> str:
    """Who is asking, for rate limiting: the API key when one is used, else the address.

    The key is hashed so that the limiter's memory never holds a secret.
    """
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]
    return "ip:" + (host or "unknown")
