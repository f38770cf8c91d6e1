"""Offline rule-based coder: English news text to dated dyadic CAMEO events.

>>> from forecast.events.text import code_text
>>> events = code_text("Wang Yi spoke to Sergei Lavrov by telephone on Monday.", "2023-08-10", "a1")
"""

from forecast.events.text.coder import DEFAULT_SOURCE_DATASET, EVIDENCE_COLUMNS, code_documents, code_text

__all__ = ["DEFAULT_SOURCE_DATASET", "EVIDENCE_COLUMNS", "code_documents", "code_text"]
