"""Which events and which dyads a series counts: family expressions, sector and dyad filters."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from itertools import combinations, permutations

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError
from forecast.events.taxonomy import EventFamily

_OPERATORS = re.compile(r"\s*([|&])\s*")


def family_terms(expression: str) -> list[list[str]]:
    """Parse a family expression into a union of intersections of family names.

    ``a|b`` is the union of two families, ``a&b`` their intersection; ``&`` binds tighter
    than ``|`` and there are no parentheses, so ``a&b|c`` is ``(a and b) or c``.

    Parameters
    ----------
    expression : str
        A family name or an expression over family names.

    Returns
    -------
    list of list of str
        The OR-ed terms, each a list of AND-ed family names.
    """
    return [[name.strip() for name in term.split("&")] for term in _OPERATORS.sub(r"\1", expression).split("|")]


def family_names(expression: str) -> list[str]:
    """Every family name an expression refers to."""
    return [name for term in family_terms(expression) for name in term]


def _unknown_families(expression: str, families: Mapping[str, EventFamily]) -> str | None:
    """What is wrong with an expression naming families not in ``families`` (None if all are known)."""
    unknown = sorted({n for n in family_names(expression) if n not in families})
    if not unknown:
        return None
    return (
        f"family expression {expression!r} names unknown family {unknown}; defined: {sorted(families)}. "
        "Add it to conf/taxonomy/*.yaml or to the extra families."
    )


def check_families(expressions: Sequence[str], families: Mapping[str, EventFamily]) -> None:
    """Check that every family expression names only known families, before any event is read.

    Raises
    ------
    ArgumentError
        Naming ``families``, the unknown family and the defined ones.
    """
    for expression in expressions:
        unknown = _unknown_families(expression, families)
        if unknown:
            raise ArgumentError("families", unknown)


def family_mask(events: pd.DataFrame, expression: str, families: Mapping[str, EventFamily]) -> np.ndarray:
    """Boolean mask of the events a family expression admits.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical event table.
    expression : str
        A family name, or names combined with ``|`` (union) and ``&`` (intersection).
    families : mapping of str to EventFamily
        The known families.

    Raises
    ------
    KeyError
        Naming the unknown family and the defined ones.
    """
    unknown = _unknown_families(expression, families)
    if unknown:
        raise KeyError(unknown)
    # Each family's mask is computed once even when the expression repeats it.
    masks = {name: families[name].mask(events) for name in set(family_names(expression))}
    keep = np.zeros(len(events), dtype=bool)
    for term in family_terms(expression):
        keep |= np.logical_and.reduce([masks[name] for name in term])
    return keep


def sector_mask(events: pd.DataFrame, sectors: Sequence[str], either_sector: Sequence[str]) -> np.ndarray:
    """Events whose both actors lie in ``sectors`` and, if given, one actor in ``either_sector``."""
    keep = (events["source_sector"].isin(list(sectors)) & events["target_sector"].isin(list(sectors))).to_numpy(bool)
    if either_sector:
        wanted = list(either_sector)
        keep &= (events["source_sector"].isin(wanted) | events["target_sector"].isin(wanted)).to_numpy(bool)
    return keep


def dyad_labels(source: pd.Series, target: pd.Series, directed: bool) -> np.ndarray:
    """Vectorised :func:`forecast.series.dyad_label` over two columns of ISO3 codes."""
    src, tgt = source.astype(str).to_numpy(), target.astype(str).to_numpy()
    if directed:
        return np.char.add(np.char.add(src, ">"), tgt)
    first, second = np.where(src <= tgt, src, tgt), np.where(src <= tgt, tgt, src)
    return np.char.add(np.char.add(first, "-"), second)


def candidate_pairs(
    dyads: Sequence[Sequence[str]], countries: Sequence[str], directed: bool
) -> list[tuple[str, str]]:
    """Explicit pairs plus every pair among ``countries`` (both orders when directed)."""
    pairs = [(str(a), str(b)) for a, b in dyads]
    among = permutations(countries, 2) if directed else combinations(countries, 2)
    pairs += [(str(a), str(b)) for a, b in among]
    if not directed:
        # An undirected dyad is one series whichever way it was written.
        pairs = [tuple(sorted(p)) for p in pairs]
    return list(dict.fromkeys(pairs))


def top_pairs(events: pd.DataFrame, n: int, directed: bool, among: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The ``n`` pairs with the most events (weighted by ``count``), domestic events excluded.

    Parameters
    ----------
    events : pandas.DataFrame
        Events already restricted to the sectors, families and period to rank on.
    n : int
        How many pairs.
    directed : bool
        Rank ordered pairs (``A>B``) or undirected ones (``A-B``).
    among : sequence of (str, str)
        Restrict the ranking to these pairs; empty ranks every pair in ``events``.

    Returns
    -------
    list of (str, str)
        Pairs by decreasing volume; ties broken alphabetically so the choice is stable.
    """
    known = events["source_country"].notna() & events["target_country"].notna()
    international = events[known & (events["source_country"] != events["target_country"])]
    src, tgt = international["source_country"].astype(str), international["target_country"].astype(str)
    if not directed:
        src, tgt = src.where(src <= tgt, tgt), tgt.where(src <= tgt, src)
    volume = international["count"].groupby([src.to_numpy(), tgt.to_numpy()]).sum()
    volume.index = volume.index.set_names(["source", "target"])
    if among:
        volume = volume[volume.index.isin(list(among))]
    ranked = volume.reset_index(name="volume").sort_values(["volume", "source", "target"], ascending=[False, True, True])
    return list(zip(ranked["source"].head(n), ranked["target"].head(n)))
