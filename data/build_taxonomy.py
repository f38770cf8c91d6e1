"""Build the project's CAMEO taxonomy table from the public lookups in ``shared/data/lookups``.

Usage::

    python data/build_taxonomy.py ../shared/data/lookups

Writes ``forecast/resources/taxonomy/cameo.csv``: one row per CAMEO event code with its
root, quad class, Goldstein value (GDELT 2013 lookup), ICEWS intensity, short label,
ICEWS event text, and PLOVER category/mode/context (CC BY-SA 4.0, see ATTRIBUTION.md
beside the output). Only codes, short labels and values are kept: no codebook prose.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "forecast" / "resources" / "taxonomy" / "cameo.csv"

# GDELT's delivered QuadClass by root code, as verified on the GDELT fixtures (SOURCES.md).
QUAD_BY_ROOT = {f"{r:02d}": (1 if r <= 5 else 2 if r <= 9 else 3 if r <= 14 else 4) for r in range(1, 21)}

# The 2013 GDELT lookup carries mojibake in one label (044).
LABEL_FIXES = {"044": "Meet at a 'third' location"}


def read_gdelt(lookups: Path) -> pd.DataFrame:
    """Read GDELT's event-code labels and Goldstein values (2013 copy, the complete one)."""
    folder = lookups / "gdelt_cameo_2013_undp"
    labels = pd.read_csv(folder / "CAMEO.eventcodes.txt", sep="\t", dtype=str, encoding="latin-1")
    scale = pd.read_csv(folder / "CAMEO.goldsteinscale.txt", sep="\t", dtype=str)
    table = labels.merge(scale, on="CAMEOEVENTCODE", how="left", validate="one_to_one")
    table.columns = ["cameo_code", "label", "goldstein"]
    table["goldstein"] = table["goldstein"].astype(float)
    table["label"] = [LABEL_FIXES.get(c, lab) for c, lab in zip(table["cameo_code"], table["label"])]
    return table


def read_icews_codebook(lookups: Path) -> pd.DataFrame:
    """Read ICEWS event text and intensity per code (andybega/icews codebook, latin-1)."""
    book = pd.read_csv(
        lookups / "cameo_codebook_andybega" / "cameo-codes.csv", dtype=str, encoding="latin-1"
    )
    book = book[["code", "name", "goldstein"]].rename(
        columns={"code": "cameo_code", "name": "icews_name", "goldstein": "icews_intensity"}
    )
    book["icews_intensity"] = book["icews_intensity"].astype(float)
    return book.drop_duplicates("cameo_code")


PLOVER_LINE = re.compile(r"^(?P<code>\d{2,4})\s*:\s*(?P<body>[^#]*)")


def read_plover(lookups: Path) -> pd.DataFrame:
    """Parse CAMEO2PLOVER-2021.txt into code, category, mode and context (joined with '|')."""
    rows = []
    text = (lookups / "plover" / "CAMEO2PLOVER-2021.txt").read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        match = PLOVER_LINE.match(line.strip())
        if not match:
            continue
        parts = [p.strip() for p in match["body"].split(",")] + ["", "", ""]
        rows.append((match["code"], parts[0], parts[1], parts[2]))
    plover = pd.DataFrame(rows, columns=["cameo_code", "plover_category", "plover_mode", "plover_context"])
    return plover.groupby("cameo_code", as_index=False).agg(
        lambda s: "|".join(dict.fromkeys(v for v in s if v)) or None
    )


def build(lookups: Path) -> pd.DataFrame:
    """Join the three lookups into one table keyed by CAMEO code."""
    # Outer join: ICEWS knows codes GDELT's lookup lacks (1213), and vice versa.
    table = read_gdelt(lookups).merge(read_icews_codebook(lookups), on="cameo_code", how="outer")
    table["goldstein"] = table["goldstein"].fillna(table["icews_intensity"])
    table["label"] = table["label"].fillna(table["icews_name"])
    table = table.merge(read_plover(lookups), on="cameo_code", how="left")
    table["root_code"] = table["cameo_code"].str[:2]
    table["quad_class"] = table["root_code"].map(QUAD_BY_ROOT).astype(int)
    cols = [
        "cameo_code", "root_code", "quad_class", "goldstein", "icews_intensity", "label",
        "icews_name", "plover_category", "plover_mode", "plover_context",
    ]
    return table[cols].sort_values("cameo_code").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lookups", type=Path, help="path to shared/data/lookups")
    args = parser.parse_args()
    table = build(args.lookups)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False)
    print(f"wrote {len(table)} codes to {OUT}")


if __name__ == "__main__":
    main()
