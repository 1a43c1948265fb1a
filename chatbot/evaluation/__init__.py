"""Evaluation sets: their format, the metrics, the runner and the report."""
