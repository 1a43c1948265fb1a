"""Time to poll a 50-entry feed: first poll (every page fetched and ingested), a re-poll of the
unchanged feed (one conditional request, a 304), and a poll after 5 stories changed (the feed
and every page asked conditionally; 45 answer 304, 5 are re-read and replaced).

    .venv/bin/python benchmarks/feed_poll.py --entries 50 --delay 0

The feed and its pages are served by a local HTTP server (tests/feed_site.py) on 127.0.0.1,
so the figures are newsbot's own cost (fetch, extract, clean, chunk, embed, store) without
network latency. ``--delay`` is the per-host politeness pause: with the default of 1 s a real
site's 50 pages take at least 50 s, which dwarfs everything else. Prints a table and writes
JSON under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._output import print_table, write_results  # noqa: E402
from chatbot.service import create_service  # noqa: E402
from chatbot.settings import load_settings  # noqa: E402
from tests.feed_site import FeedSite, article_page, rss  # noqa: E402

PARAGRAPHS = [
    "The council of {town} voted on Monday to rebuild the harbour bridge that the January "
    "storm left unsafe, ending months of debate over the cost of the project.",
    "Engineers from the regional roads office said the new bridge would carry heavier lorries "
    "and include a separate lane for cyclists and pedestrians on its northern side.",
    "Work is due to start in {month} and should take about two years, during which a ferry "
    "will carry foot passengers across the harbour every twenty minutes.",
    "Local shop owners welcomed the decision but asked the council to keep the quay road open "
    "for deliveries while the old bridge is taken down section by section.",
]
TOWNS = [f"Town {n}" for n in range(1000)]


def serve_feed(site: FeedSite, entries: int, version: int = 0, changed: int = 0) -> str:
    items = []
    for n in range(entries):
        month = "April" if n >= changed or not version else "September"
        text = [p.format(town=TOWNS[n], month=month) for p in PARAGRAPHS]
        link = site.put(f"/story/{n}", article_page(f"{TOWNS[n]} approves bridge rebuild", text))
        items.append({"link": link, "title": f"{TOWNS[n]} bridge, work from {month}",
                      "pubDate": "Mon, 04 Mar 2024 10:00:00 GMT"})
    return site.put("/feed.xml", rss("Bench Gazette", items), content_type="application/rss+xml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.0, help="politeness pause per host (s)")
    args = parser.parse_args()

    site = FeedSite()
    feed = serve_feed(site, args.entries)
    with tempfile.TemporaryDirectory(prefix="feed-bench-") as tmp:
        settings = load_settings(data_dir=Path(tmp), fetch_delay_seconds=args.delay,
                                 sources={"feed": [{"url": feed}]})
        service = create_service(settings)
        service.warm_up()
        manager = service.sources
        rows = {}
        for name, change in (("first poll", None), ("unchanged re-poll", None),
                             ("5 stories changed", 5)):
            if change:
                serve_feed(site, args.entries, version=1, changed=change)
            site.log.clear()
            started = time.perf_counter()
            [result] = manager.poll()
            seconds = time.perf_counter() - started
            report = result.report
            rows[name] = {"seconds": round(seconds, 2), "requests": len(site.log),
                          "304s": sum(1 for e in site.log if e.status == 304),
                          "added": len(report.added), "updated": len(report.updated),
                          "unchanged": len(report.unchanged), "failed": len(report.failed)}
    site.stop()
    print(f"polling a {args.entries}-entry feed (politeness delay {args.delay:g} s)")
    print_table(rows, first="poll")
    write_results("feed_poll", {"entries": args.entries, "delay_s": args.delay, "polls": rows})


if __name__ == "__main__":
    main()
