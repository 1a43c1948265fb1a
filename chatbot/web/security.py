"""What stands between a request and an answer: API keys, the client's identity for rate
limiting, and who may write to the index when no admin key is configured."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Mapping, Sequence

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


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request carries: its X-API-Key header, else its ``Authorization: Bearer``
    token (how OpenAI and MCP clients send one)."""
    if key := headers.get("x-api-key"):
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def client_id(host: str | None, api_key: str | None = None) -> str:
    """Who is asking, for rate limiting: the API key when one is used, else the address.

    The key is hashed so that the limiter's memory never holds a secret.
    """
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:16]
    return "ip:" + (host or "unknown")


def listens_on_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` is reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or a wildcard (0.0.0.0, ::) may be reached from outside


def writes_allowed_without_key(host: str) -> bool:
    """No admin key configured: writing to the index (upload, add feed, poll) is allowed only
    to a server nobody else can reach. Anywhere else every visitor would be an admin."""
    return listens_on_loopback(host)


def exposure_warnings(host: str, api_keys: Sequence[SecretStr],
                      admin_keys: Sequence[SecretStr]) -> list[str]:
    """What ``newsbot serve`` warns about when it listens beyond loopback without keys."""
    if listens_on_loopback(host):
        return []
    warnings = []
    if not api_keys:
        warnings.append(f"listening on {host} with no api_keys: anyone who can reach this "
                        "address may ask questions through the API and the chat.")
    if not admin_keys:
        warnings.append(f"listening on {host} with no admin_keys: the Library tab is "
                        "read-only (no uploads, feeds or polls from the web) until admin_keys "
                        "are set.")
    return warnings
