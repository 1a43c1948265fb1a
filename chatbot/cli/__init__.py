"""The command line: ``newsbot ingest | ask | chat | articles | serve | mcp | eval | sources |
watch``."""

from chatbot.cli.main import main

__all__ = ["main"]
