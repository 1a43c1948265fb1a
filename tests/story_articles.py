"""A small story written for the tests: a dock strike at the (invented) port of Port Elms over
two weeks, reported first by one outlet and copied by two more, with a photo caption and a
"More:" link in the story, and an unrelated article beside it."""

from __future__ import annotations

from typing import Any

STRIKE_TOPIC = "the Port Elms dock strike"

STRIKE_ARTICLES: list[dict[str, Any]] = [
    {"id": "strike-begins-gazette", "source": "Elms Gazette", "published": "2024-02-29",
     "url": "https://gazette.example/strike-begins",
     "title": "Port Elms dockworkers walk out",
     "text": (
         "Dockworkers at the port of Port Elms walked off the job on Thursday, starting a "
         "strike over pay that halted container traffic.\n\n"
         "In this photo, dockworkers stand on the picket line at the Port Elms gates.\n\n"
         "More: Port Elms strike live updates\n\n"
         "The union said its members had gone three years without a raise.")},
    {"id": "strike-begins-harbour", "source": "Harbour Times", "published": "2024-03-01",
     "url": "https://harbour.example/strike",
     "title": "Strike halts Port Elms",
     "text": (
         "Dockworkers at the port of Port Elms walked off the job on Thursday, starting a "
         "strike over pay that halted container traffic at the port.\n\n"
         "Shipping lines said they would divert vessels to other ports.")},
    {"id": "strike-begins-coast", "source": "Coast Daily", "published": "2024-03-02",
     "url": "https://coast.example/port-elms",
     "title": "Port Elms strike",
     "text": (
         "Dockworkers at the port of Port Elms walked off the job on Thursday, starting a "
         "strike over pay that halted container traffic.\n\n"
         "Local shops near the harbour reported fewer customers.")},
    {"id": "strike-talks-collapse", "source": "Elms Gazette", "published": "2024-03-08",
     "url": "https://gazette.example/talks-collapse",
     "title": "Port Elms strike talks collapse",
     "text": (
         "Talks between the dockworkers' union and the Port Elms port authority collapsed "
         "on Thursday without an agreement, extending the dock strike into a second week.\n\n"
         "Neither side said when it would return to the table.")},
    {"id": "strike-ends", "source": "Harbour Times", "published": "2024-03-15",
     "url": "https://harbour.example/strike-ends",
     "title": "Port Elms dock strike ends",
     "text": (
         "The Port Elms dock strike ended on Friday after the dockworkers' union accepted a "
         "6 percent pay rise from the port authority.\n\n"
         "The first container ships were unloaded on Friday evening.")},
    {"id": "lakeview-library", "source": "Lakeview Ledger", "published": "2024-03-12",
     "url": "https://ledger.example/library",
     "title": "Lakeview approves library budget",
     "text": (
         "The Lakeview city council approved a new budget for the public library on "
         "Tuesday, adding two reading rooms.\n\n"
         "The library will open on Sundays from April.")},
]
