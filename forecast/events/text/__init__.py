"""Offline rule-based coder: English news text to dated dyadic CAMEO events.

>>> from forecast.events.text import code_text
>>> events = code_text("Wang Yi spoke to Sergei Lavrov by telephone on Monday.", "2023-08-10", "a1")
>>> sorted(events["cameo_code"])
['041', '041']
"""

from forecast.events.text.coder import DEFAULT_SOURCE_DATASET, EVIDENCE_COLUMNS, code_documents, code_text
from forecast.events.text.io import Document, read_documents, run_code_text, write_events

__all__ = [
    "DEFAULT_SOURCE_DATASET",
    "EVIDENCE_COLUMNS",
    "Document",
    "code_documents",
    "code_text",
    "read_documents",
    "run_code_text",
    "write_events",
]
