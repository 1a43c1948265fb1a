"""``python -m chatbot.cli``: the same command line as ``newsbot``."""

from chatbot.cli import main

main()
