"""Readers that turn event files into the canonical event table."""

from forecast.events.readers.base import ReadResult, empty_quarantine
from forecast.events.readers.tkg import read_tkg

__all__ = ["ReadResult", "empty_quarantine", "read_tkg"]
