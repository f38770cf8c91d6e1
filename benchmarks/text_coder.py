"""Benchmark the rule-based text coder: accuracy on the gold sets and throughput.

Usage (from the repository root)::

    python benchmarks/text_coder.py                 # both gold sets, 20,000-sentence timing
    python benchmarks/text_coder.py --sentences 50000
    python benchmarks/text_coder.py --gold tests/text/heldout14/tune.jsonl   # named files only

Prints one table row per gold file: precision/recall/F1 at CAMEO root + dyad level
(root code, source country, target country) and at full-code level (full code, source and
target country and sector), and the share of matched day-precision gold events dated within
3 days. Then codes the gold sentences repeated to at least ``--sentences`` sentences, in
this single process (one core), and reports sentences per wall second and per CPU second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecast.events.text import code_documents  # noqa: E402
from forecast.events.text.evaluate import load_gold, run_gold  # noqa: E402
from forecast.events.text.sentences import split_sentences  # noqa: E402

GOLD = tuple(sorted((ROOT / "tests" / "text").glob("gold*.jsonl")))


def accuracy_table(paths: tuple[Path, ...] = GOLD) -> list[str]:
    """One formatted line per gold file."""
    header = (
        f"{'gold set':<18}{'docs':>5}{'sents':>6}{'events':>7} | {'root+dyad P':>11}{'R':>6}{'F1':>6} | "
        f"{'full P':>7}{'R':>6}{'F1':>6} | {'date ±3d':>12}"
    )
    lines = [header, "-" * len(header)]
    for path in paths:
        ev, _, gold = run_gold(path)
        a, f = ev.root_dyad, ev.full
        lines.append(
            f"{_name(path):<18}{ev.documents:>5}{ev.sentences:>6}{len(gold):>7} | "
            f"{a.precision:>11.3f}{a.recall:>6.3f}{a.f1:>6.3f} | {f.precision:>7.3f}{f.recall:>6.3f}{f.f1:>6.3f} | "
            f"{ev.date_within:>4}/{ev.date_matched:<3} {ev.date_accuracy:.2f}"
        )
    return lines


def _name(path: Path) -> str:
    # "heldout14/tune" for files in a sub-folder of tests/text, the stem otherwise.
    return path.stem if path.parent.name == "text" else f"{path.parent.name}/{path.stem}"


def throughput(min_sentences: int) -> tuple[int, float, float]:
    """Code the gold documents repeated to ``min_sentences`` sentences.

    Returns (sentences, wall seconds, CPU seconds of this process): on a shared machine the
    CPU time is the figure that does not depend on the other jobs.
    """
    documents = []
    for path in GOLD:
        documents += load_gold(path)[0]
    per_round = sum(len(split_sentences(d["text"])) for d in documents)
    rounds = -(-min_sentences // per_round)
    batch = [(f"{d['id']}#{k}", d["text"], d["published"]) for k in range(rounds) for d in documents]
    code_documents(batch[:10])  # load and compile the dictionaries outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    code_documents(batch)
    return per_round * rounds, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    """Print the accuracy table and the throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20_000, help="sentences to time (default 20000)")
    parser.add_argument(
        "--gold",
        type=Path,
        nargs="+",
        default=GOLD,
        help="gold JSONL files to score (default: tests/text/gold*.jsonl); timing always uses those",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print("\n".join(accuracy_table(tuple(args.gold))))
    sentences, seconds, cpu = throughput(args.sentences)
    print(
        f"\nthroughput: {sentences} sentences in {seconds:.2f} s wall = {sentences / seconds:,.0f} sentences/s; "
        f"{cpu:.2f} s CPU on one core = {sentences / cpu:,.0f} sentences per CPU-second"
    )


if __name__ == "__main__":
    main()
