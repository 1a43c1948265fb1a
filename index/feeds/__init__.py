"""Following sources: polite fetching, feed and page reading, the registry of sources and their
state, the poller and watcher, retention, and the sources file."""
