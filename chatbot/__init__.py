"""newsbot's answering side: retrieval, answers with citations, and the ways to use them.

Gradio reports usage to its makers unless told not to; the product never phones home.
"""

import os

import index  # noqa: F401  (sets the offline switches before any model library loads)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
