"""What stands between a request and an answer: API keys, the client's identity for rate
limiting, who may write to the index when no admin key is configured, and which Host names
the server answers for."""

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


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def served_host_names(host: str, allowed_hosts: Sequence[str]) -> frozenset[str] | None:
    """The Host header names a server bound to ``host`` answers for; None = any.

    A page on an attacker's name that later resolves to 127.0.0.1 (DNS rebinding) reaches the
    server with its own name in the Host header: a loopback server answers only for the
    loopback names (and ``allowed_hosts``). A server beyond loopback answers for the address
    it is bound to and ``allowed_hosts``; bound to a wildcard with none listed, for any name.
    """
    names = set(LOOPBACK_NAMES) | {name.lower() for name in allowed_hosts}
    bound = host.strip().strip("[]").lower()
    if not listens_on_loopback(host):
        if bound in ("", "0.0.0.0", "::") and not allowed_hosts:
            return None
        names.add(bound)
    return frozenset(names)


def writes_allowed_without_key(host: str) -> bool:
    """No admin key configured: writing to the index (upload, add feed, poll) is allowed only
    to a server nobody else can reach. Anywhere else every visitor would be an admin."""
    return listens_on_loopback(host)


def exposure_warnings(host: str, api_keys: Sequence[SecretStr],
                      admin_keys: Sequence[SecretStr], allowed_hosts: Sequence[str] = (),
                      ) -> list[str]:
    """What ``newsbot serve`` warns about when it listens beyond loopback without keys."""
    if listens_on_loopback(host):
        return []
    warnings = []
    if served_host_names(host, allowed_hosts) is None:
        warnings.append(f"listening on {host} with no allowed_hosts: requests naming any host "
                        "are answered (DNS rebinding); list the server's names in "
                        "allowed_hosts.")
    if not api_keys:
        warnings.append(f"listening on {host} with no api_keys: anyone who can reach this "
                        "address may ask questions through the API and the chat.")
    if not admin_keys:
        warnings.append(f"listening on {host} with no admin_keys: the Library tab is "
                        "read-only (no uploads, feeds or polls from the web) until admin_keys "
                        "are set.")
    return warnings


def key_scope_notice(api_keys: Sequence[SecretStr]) -> str:
    """What ``newsbot serve`` prints at start when API keys are set: exactly what they guard."""
    if not api_keys:
        return ""
    return ("api_keys guard /api/*, /v1/* and /mcp only (a private feed link, "
            "/api/feeds/<token>.xml, is its own key). The chat page at /ui/ and its "
            "/ui/gradio_api/ endpoints (including /ui/gradio_api/call/ask) answer without a "
            "key: put single sign-on in front of /ui/ if it must not be open.")
