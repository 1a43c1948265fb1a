"""The store's failure that every surface must tell apart from a bug (a 503, not a 500)."""


class StoreUnavailableError(RuntimeError):
    """The Chroma store cannot be reached (server down, folder unreadable)."""
