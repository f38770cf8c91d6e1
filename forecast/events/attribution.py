"""Attribution and licence text of the datasets a run used, for the report."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

#: Source datasets (``source_dataset``) whose events are GDELT records.
GDELT_DATASETS = ("gdelt1", "gdelt2")


def _document(*parts: str) -> str:
    # As written: the report renders its Markdown structure (table, quote, lists), not one line per paragraph.
    return resources.files("forecast").joinpath("resources", *parts).read_text(encoding="utf-8").strip()


def attribution(formats: Iterable[str], datasets: Iterable[str]) -> list[str]:
    """Markdown documents citing every dataset of a run: the embedded ICEWS table, GDELT records.

    Parameters
    ----------
    formats : iterable of str
        The data formats of the run's sources (``embedded``, ``gdelt2``, ``store``, ...).
    datasets : iterable of str
        The ``source_dataset`` names of the events read (a store can hold several).

    Returns
    -------
    list of str
        One Markdown document per dataset kind, as shipped (``resources/*/ATTRIBUTION.md``);
        a pointer to the provider's terms when no known dataset is among them.
    """
    formats, datasets = set(formats), set(datasets)
    documents: list[str] = []
    if "embedded" in formats:
        documents.append(_document("default", "ATTRIBUTION.md"))
    if datasets & set(GDELT_DATASETS) or formats & set(GDELT_DATASETS):
        documents.append(_document("gdelt", "ATTRIBUTION.md"))
    return documents or ["See the data provider's terms of use."]
