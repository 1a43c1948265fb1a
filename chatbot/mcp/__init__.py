"""The Model Context Protocol server: newsbot's answers, search and article list as tools that
AI assistants call (``newsbot mcp`` over stdio; ``/mcp`` on ``newsbot serve``)."""
