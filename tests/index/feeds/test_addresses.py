"""Feeds added on the web cannot reach the server's loopback, the intranet or a metadata
service (server-side request forgery), checked on the address actually connected to.

Nothing here leaves 127.0.0.0/8: the "public" site is a test server on 127.0.0.1 admitted by
``allowed_networks``, the "private" one listens on 127.0.0.2, and host names resolve through a
resolver the test controls (or the system's, for ``localhost``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatbot.service import ChatService
from index.feeds.addresses import AddressGuard
from index.feeds.fetch import Fetcher, FetchError, FetchPolicy
from index.feeds.poller import SourceManager
from index.feeds.reader import WebReader
from tests.conftest import make_settings
from tests.feed_site import STORIES, FeedSite, article_page, publish, rss

STORY = ["The harbour of Port Elms reopened on Monday after three weeks of storm repairs.",
         "The harbour master said ships may dock again from Tuesday morning onwards."]
LOOPBACK_ONE = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture
def site() -> Iterator[FeedSite]:
    server = FeedSite()
    yield server
    server.stop()


@pytest.fixture
def private_site() -> Iterator[FeedSite]:
    server = FeedSite(host="127.0.0.2")
    server.put("/secret", article_page("Internal memo", STORY))
    yield server
    server.stop()


def resolver(table: dict[str, str]):  # type: ignore[no-untyped-def]
    return lambda host, port: [table[host]]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.0.2", "10.0.0.5", "172.16.3.4", "192.168.1.1", "169.254.169.254",
    "169.254.10.10", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::ffff:127.0.0.1",
    "fd00::1", "fe80::1", "fd00:ec2::254", "::127.0.0.1", "::10.0.0.5", "64:ff9b::7f00:1",
    "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:5", "2002:7f00:1::", "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe", "::"])
def test_loopback_private_link_local_and_metadata_addresses_are_refused(address: str) -> None:
    assert AddressGuard().refuses(ipaddress.ip_address(address))


def test_public_addresses_pass_and_allowing_private_networks_still_refuses_metadata() -> None:
    assert not AddressGuard().refuses(ipaddress.ip_address("93.184.216.34"))
    assert not AddressGuard().refuses(ipaddress.ip_address("2606:2800:220:1::1"))
    for public_inside in ("2002:5db8:d822::1", "64:ff9b::5db8:d822", "::ffff:93.184.216.34"):
        assert not AddressGuard().refuses(ipaddress.ip_address(public_inside)), public_inside
    intranet = AddressGuard(allow_private=True)
    assert not intranet.refuses(ipaddress.ip_address("10.0.0.5"))
    assert not intranet.refuses(ipaddress.ip_address("127.0.0.1"))
    assert intranet.refuses(ipaddress.ip_address("169.254.169.254"))


def test_guarded_fetch_refuses_loopback_before_connecting(site: FeedSite) -> None:
    page = site.put("/a", article_page("Harbour reopens", STORY))
    for url in (page, f"http://localhost:{site.port}/a", f"http://[::ffff:127.0.0.1]:{site.port}/a"):
        with pytest.raises(FetchError, match="refused to connect"):
            Fetcher(FetchPolicy(delay=0.0), guard=AddressGuard()).get(url)
    assert site.log == []  # not even robots.txt was asked for
    allowed = Fetcher(FetchPolicy(delay=0.0), guard=AddressGuard(allow_private=True))
    assert allowed.get(page).status == 200


def test_a_name_resolving_to_a_private_address_is_refused(site: FeedSite) -> None:
    site.put("/a", article_page("Harbour reopens", STORY))
    guard = AddressGuard(resolver=resolver({"news.example": "127.0.0.1"}))
    with pytest.raises(FetchError, match="refused to connect to news.example:") as refused:
        Fetcher(FetchPolicy(delay=0.0), guard=guard).get(f"http://news.example:{site.port}/a")
    assert "127.0.0.1" not in str(refused.value)  # what a name resolved to stays unsaid
    assert site.log == []


def test_redirects_and_entry_links_to_private_addresses_are_refused(
        site: FeedSite, private_site: FeedSite) -> None:
    secret = private_site.url + "/secret"
    site.put("/moved", "", status=302, location=secret)
    by_name = f"http://intranet.example:{private_site.port}/secret"
    good = site.put("/good", article_page("Harbour reopens", STORY))
    feed = site.put("/feed.xml", rss("Gazette", [
        {"link": link, "title": link} for link in (secret, by_name, site.url + "/moved", good)]))
    guard = AddressGuard(allowed_networks=LOOPBACK_ONE,
                         resolver=resolver({"intranet.example": "127.0.0.2"}))

    harvest = WebReader(Fetcher(FetchPolicy(delay=0.0), guard=guard)).read(feed)

    assert [item.origin for item in harvest.loaded] == [good]
    reasons = dict(harvest.failed)
    assert "refused to connect to 127.0.0.2" in reasons[secret]
    assert "refused to connect to intranet.example:" in reasons[by_name]
    assert "127.0.0.2" not in reasons[by_name]
    assert "refused to connect to 127.0.0.2" in reasons[site.url + "/moved"]
    assert private_site.log == []
    # Unguarded (the operator's own sources), the same feed reaches the private site.
    assert len(WebReader(Fetcher(FetchPolicy(delay=0.0))).read(feed).loaded) == 3


def test_feeds_added_on_the_web_are_guarded_and_configured_ones_are_trusted(
        site: FeedSite, service: ChatService, tmp_path: Path) -> None:
    feed = publish(site, STORIES)
    common = {"fetch_delay_seconds": 0.0, "sources_file": tmp_path / "none.toml"}
    strict = SourceManager(service, make_settings(tmp_path / "d", **common).feed_settings)
    with pytest.raises(ValueError, match="refused to connect to 127.0.0.1"):
        strict.add_web_feed(feed)
    with pytest.raises(ValueError, match="refused to connect to localhost"):
        strict.add_web_feed(f"http://localhost:{site.port}/feed.xml")
    strict.registry.add_feed(feed)  # added on the web before the host turned private
    [web] = strict.poll()
    assert "refused to connect" in web.error and site.log == []

    config = {"feed": [{"url": feed, "label": "Gazette"}]}
    trusted = SourceManager(service, make_settings(
        tmp_path / "c", sources=config, fetch_delay_seconds=0.0).feed_settings)
    [configured] = trusted.poll()
    assert not configured.error and len(configured.report.added) == 3

    intranet = SourceManager(service, make_settings(
        tmp_path / "i", fetch_allow_private_networks=True, **common).feed_settings)
    intranet.add_web_feed(feed)
    [allowed] = intranet.poll()
    assert not allowed.error and sum(allowed.report.counts.values()) == 3

