"""Mutation testing of the core modules with mutmut, each module against its own tests only.

For every module of :data:`MODULES` the script lays a scratch copy of the project in
``benchmarks/results/mutation/work/<module>/`` (mutmut mutates in place under
``mutants/`` and reads its settings from the folder it runs in), writes a ``setup.cfg``
that mutates only that module's files and runs only that module's test files, runs
``mutmut run``, and writes the surviving mutants with their diffs to
``benchmarks/results/mutation/<module>.txt``. A per-module kill-rate table ends the run;
``summary.md`` there holds the latest result of every module (``--summary`` prints it).

Kill rate = (killed + timeout) / (mutants - skipped); "no tests" mutants (code no selected
test executes) count as survivors, since a bug there would pass unnoticed too.

Usage::

    python benchmarks/mutation.py                      # every module (make mutation)
    python benchmarks/mutation.py backtest.compare     # one or more modules
    python benchmarks/mutation.py --list               # the module -> files/tests map
    python benchmarks/mutation.py --jobs 2 backtest.metrics
    python benchmarks/mutation.py --resume events.readers  # re-test only what the last run left alive
    python benchmarks/mutation.py --unchecked-only events.readers  # test only what it never checked
    python benchmarks/mutation.py --resume events.readers --tests tests/events/test_new.py  # survivors vs new tests only

``--resume`` keeps each mutant the previous run of the module killed, as long as the function
it mutates is byte-for-byte unchanged (mutmut's per-function hash), and re-tests every other
mutant (survivors, unchecked and mutants of changed functions) against today's tests; a
timeout counts as a kill and is kept too.
Tests only ever get added or strengthened between runs, so a kept kill is still a kill; a
full run without ``--resume`` re-checks everything.

Update :data:`MODULES` when a module moves or gains a test file: it is the only list.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "mutation"
#: Folders and files of the project a test run needs (tests compose conf/, read data/ and notebooks/).
PROJECT_FILES = ("forecast", "tests", "conf", "data", "notebooks", "pyproject.toml")
#: Passed to every pytest run inside mutmut (with each module's ``-m`` markers). The timeout
#: (pytest-timeout) fails a test that hangs: some ``_stream.prefetch`` mutants deadlock its
#: reader thread without using CPU, so mutmut's CPU-time limit never fires on them.
PYTEST_ARGS = ("-p", "no:cacheprovider", "-q", "-W", "ignore", "--timeout", "120")


@dataclass(frozen=True)
class Module:
    """One mutation target: the source files to mutate (globs) and the tests that guard them.

    ``markers`` is a pytest ``-m`` expression: the slow end-to-end tests would run for
    every mutant of every function they touch, so they stay out of the budget. ``keyword``
    is an optional ``-k`` expression for the same purpose within a test file.
    """

    sources: tuple[str, ...]
    tests: tuple[str, ...]
    markers: str = "not slow"
    keyword: str | None = None


#: The leakage test of tests/test_backtest.py fits every model config (~25 s); against the
#: backtest modules' mutants it runs for the naive configs only (the rest test the models).
_BACKTEST_KEYWORD = "not test_no_leakage_after_cutoff or naive"

#: Module name -> files to mutate and the test files run against its mutants.
#: tests/test_workers_determinism.py stays out of backtest.splits: its n_jobs=2 run starts
#: joblib (loky) worker processes, which hang inside mutmut's forked test processes.
MODULES: dict[str, Module] = {
    "backtest.metrics": Module(
        ("forecast/backtest/metrics.py",),
        (
            "tests/test_backtest.py",
            "tests/test_scoring.py",
            "tests/test_metrics_boundaries.py",
            "tests/test_count_law_protocol.py",
            "tests/test_backtest_edges.py",
            "tests/test_mutation_gaps.py",
        ),
        keyword=_BACKTEST_KEYWORD,
    ),
    "backtest.scoring": Module(
        ("forecast/backtest/scoring.py",),
        (
            "tests/test_scoring.py",
            "tests/test_metrics_boundaries.py",
            "tests/test_count_law_protocol.py",
            "tests/test_backtest_edges.py",
        ),
    ),
    "backtest.splits": Module(
        ("forecast/backtest/splits.py",),
        (
            "tests/test_backtest.py",
            "tests/test_scoring.py",
            "tests/test_metrics_boundaries.py",
            "tests/test_count_law_protocol.py",
            "tests/test_failures.py",
            "tests/test_progress.py",
            "tests/test_backtest_edges.py",
            "tests/test_mutation_gaps.py",
        ),
        keyword=_BACKTEST_KEYWORD,
    ),
    "backtest.compare": Module(
        ("forecast/backtest/compare.py",),
        ("tests/test_compare.py", "tests/test_compare_known_answer.py", "tests/test_mutation_gaps.py"),
    ),
    "events.readers": Module(
        ("forecast/events/readers/*",),
        (
            "tests/events/test_readers_fixtures.py",
            "tests/events/test_genuine_files.py",
            "tests/test_tkg_reader.py",
            "tests/events/test_reader_options.py",
            "tests/events/test_detect_and_inputs.py",
            "tests/events/test_tidy_reader.py",
            "tests/events/test_polecat_panel_readers.py",
            "tests/events/test_registry.py",
            "tests/events/test_iter_delimited.py",
            "tests/events/test_bad_inputs.py",
            "tests/events/test_reader_edges.py",
            "tests/events/test_stream_finish.py",
            "tests/events/test_format_readers_edges.py",
        ),
    ),
    "events.ingest": Module(
        ("forecast/events/ingest.py",),
        (
            "tests/events/test_ingest_store_cli.py",
            "tests/test_sources_merge.py",
            "tests/events/test_reader_options.py",
            "tests/events/test_ingest_outputs.py",
            "tests/events/test_ingest_edges.py",
        ),
    ),
    "events.actors": Module(
        ("forecast/events/actors.py",),
        (
            "tests/events/test_actors_taxonomy_ext.py",
            "tests/events/test_actor_tables.py",
            "tests/events/test_actor_resolution.py",
        ),
    ),
    "events.taxonomy": Module(
        ("forecast/events/taxonomy.py",),
        (
            "tests/events/test_actors_taxonomy_ext.py",
            "tests/events/test_taxonomy_rules.py",
            "tests/events/test_reader_options.py",
        ),
    ),
    "series": Module(
        ("forecast/series/*",),
        (
            "tests/test_series_calendar.py",
            "tests/test_series_hierarchy.py",
            "tests/test_series_measures.py",
            "tests/test_series_panel.py",
            "tests/test_series_pipeline.py",
            "tests/test_series_selection.py",
            "tests/test_measures_by_freq.py",
            "tests/test_series_contracts.py",
            "tests/test_series_gaps.py",
            "tests/test_mutation_gaps.py",
        ),
    ),
    "models.distributions": Module(
        ("forecast/models/distributions.py",),
        (
            "tests/test_distributions_and_baselines.py",
            "tests/test_model_properties.py",
            "tests/test_count_law_protocol.py",
            "tests/test_scoring.py",
            "tests/test_metrics_boundaries.py",
            "tests/test_models_edges.py",
            "tests/test_mutation_gaps.py",
            "tests/test_distinct_laws.py",
        ),
    ),
    "models.baselines": Module(
        ("forecast/models/baselines.py",),
        ("tests/test_distributions_and_baselines.py", "tests/test_model_properties.py"),
    ),
    "models.ensembles": Module(
        ("forecast/models/ensembles.py",),
        (
            "tests/test_ensembles_and_global.py",
            "tests/test_model_properties.py",
            "tests/test_models_edges.py",
            "tests/test_mutation_gaps.py",
        ),
    ),
    "report.provenance": Module(("forecast/report/provenance.py",), ("tests/test_provenance.py",)),
}

#: mutmut exit code -> verdict (mutmut.stats.status_by_exit_code, folded to what the table counts).
VERDICTS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}
TIMEOUTS = {36, -24, 24, 152, 255}


#: Every mutant's verdict after a run, kept ones included, so that ``--resume`` can chain.
VERDICTS_FILE = "verdicts.json"


def verdict(exit_code: int | None) -> str:
    """The table's verdict for one mutmut exit code."""
    if exit_code in TIMEOUTS:
        return "timeout"
    if exit_code is None:
        return "not checked"
    return VERDICTS.get(exit_code, "suspicious")


def previous_run(work: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Verdicts and function hashes (mangled function name -> hash) of the last run in ``work``."""
    verdicts, hashes = {}, {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        verdicts.update({key: verdict(code) for key, code in data.get("exit_code_by_key", {}).items()})
        module = str(meta.relative_to(work / "mutants"))[: -len(".py.meta")].replace("/", ".")
        hashes.update({f"{module}.{fn}": h for fn, h in data.get("hash_by_function_name", {}).items()})
    # A resumed run's .meta files hold only the mutants it re-tested; the merged verdicts are here.
    merged = work / VERDICTS_FILE
    if merged.exists():
        verdicts.update(json.loads(merged.read_text()))
    return verdicts, hashes


def function_of(mutant: str) -> str:
    """The mangled function name a mutant belongs to (``pkg.mod.x_f__mutmut_3`` -> ``pkg.mod.x_f``)."""
    return mutant.rsplit("__mutmut_", 1)[0]


def lay_out(name: str, module: Module) -> Path:
    """A fresh scratch copy of the project with a setup.cfg for ``name``; returns its folder."""
    work = RESULTS / "work" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for item in PROJECT_FILES:
        source = REPO / item
        if source.is_dir():
            shutil.copytree(source, work / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, work / item)
    tests = [t for t in module.tests if (REPO / t).exists()]
    if len(tests) < len(module.tests):
        missing = sorted(set(module.tests) - set(tests))
        print(f"{name}: test files {missing} do not exist; update MODULES in {Path(__file__).name}.", file=sys.stderr)
    if not tests:
        raise SystemExit(f"{name}: none of its test files exist.")
    # The tests find real data at <repo>/../shared/data; mutmut's copy of the repo is work/mutants.
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (work / "shared").symlink_to(shared)
    config = configparser.ConfigParser()
    config["mutmut"] = {
        "source_paths": "forecast",
        "only_mutate": "\n".join(module.sources),
        "also_copy": "\n".join(i for i in PROJECT_FILES if i not in ("forecast", "tests", "pyproject.toml")),
        "pytest_add_cli_args": "\n".join(
            [*PYTEST_ARGS, "-m", module.markers, *(("-k", module.keyword) if module.keyword else ())]
        ),
        "pytest_add_cli_args_test_selection": "\n".join(tests),
    }
    with open(work / "setup.cfg", "w") as handle:
        config.write(handle)
    return work


def collect(work: Path) -> dict[str, str]:
    """Mutant name -> verdict from the ``.meta`` files mutmut leaves beside each mutated file."""
    results = {}
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for key, code in data.get("exit_code_by_key", {}).items():
            results[key] = verdict(code)
    return results


#: Run inside the scratch folder (mutmut reads its setup.cfg at import): survivor name -> diff, as JSON.
_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in sys.argv[1:]}))
"""


def survivor_diffs(work: Path, names: list[str], env: dict[str, str]) -> dict[str, str]:
    """The source diff of each named mutant, read in one process (``mutmut show`` costs seconds a call)."""
    if not names:
        return {}
    done = subprocess.run([sys.executable, "-c", _DIFFS, *names], cwd=work, env=env, capture_output=True, text=True)
    return json.loads(done.stdout) if done.returncode == 0 else {}


def mutant_names(work: Path, env: dict[str, str]) -> list[str]:
    """Every mutant of the freshly laid-out ``work`` (generates them without running tests)."""
    subprocess.run([sys.executable, "-c", _NAMES], cwd=work, env=env, capture_output=True, check=True)
    return json.loads((work / "mutant-names.json").read_text())


#: Run inside the scratch folder: generate the mutants (as ``mutmut run`` does first) and
#: write their names to mutant-names.json (mutmut prints its progress to stdout).
_NAMES = """
import json
from pathlib import Path
from mutmut.__main__ import collect_source_file_mutation_data, create_mutants, set_mutant_under_test
from mutmut.__main__ import store_lines_covered_by_tests
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths
set_mutant_under_test("mutant_generation")
Path("mutants").mkdir(exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); store_lines_covered_by_tests(); create_mutants(1)
mutants, _ = collect_source_file_mutation_data(mutant_names=())
Path("mutant-names.json").write_text(json.dumps(sorted(name for _, name, _ in mutants)))
"""


def run_module(
    name: str, jobs: int, resume: bool = False, unchecked_only: bool = False, tests: tuple[str, ...] = ()
) -> dict:
    """Mutation-test one module; returns its counts, verdicts and wall time.

    With ``resume``, kills of the previous run whose function is unchanged are kept and only
    the other mutants are re-tested (see the module docstring); with ``unchecked_only`` too,
    its survivors are kept as well, so only mutants it never checked (or of changed
    functions) run. ``tests`` (with ``resume``) re-tests them against those test files only:
    a mutant they kill is killed by the module's whole list, and one they miss is counted as
    a survivor, which undercounts kills only where an older test of the list would have
    caught a mutant of a function that changed.
    """
    module = replace(MODULES[name], tests=tests) if tests else MODULES[name]
    previous, old_hashes = previous_run(RESULTS / "work" / name) if resume else ({}, {})
    work = lay_out(name, module)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONPATH", None)
    kept: dict[str, str] = {}
    retest: list[str] = []
    if previous:
        names = mutant_names(work, env)
        _, new_hashes = previous_run(work)
        keep = ("killed", "timeout", "survived", "no tests") if unchecked_only else ("killed", "timeout")
        kept = {
            key: previous[key]
            for key in names
            if previous.get(key) in keep
            and old_hashes.get(function_of(key)) is not None
            and old_hashes.get(function_of(key)) == new_hashes.get(function_of(key))
        }
        retest = [key for key in names if key not in kept]
    log = RESULTS / f"{name}.log"
    start = time.perf_counter()
    with open(log, "w") as handle:
        command = [str(mutmut), "run", "--max-children", str(jobs), *retest]
        # Resuming with nothing left to re-test: every mutant's kill is kept.
        skip = bool(previous) and not retest
        done = subprocess.CompletedProcess(command, 0) if skip else subprocess.run(
            command, cwd=work, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
    seconds = time.perf_counter() - start
    results = {**collect(work), **kept}
    (work / VERDICTS_FILE).write_text(json.dumps(results, indent=0, sort_keys=True) + "\n")
    if done.returncode != 0 or not results:
        print(f"{name}: mutmut failed (exit {done.returncode}); see {log.relative_to(REPO)}", file=sys.stderr)
    counts = Counter(results.values())
    tested = len(results) - counts["skipped"]
    killed = counts["killed"] + counts["timeout"]
    survivors = sorted(k for k, v in results.items() if v not in ("killed", "timeout", "skipped"))
    with open(RESULTS / f"{name}.txt", "w") as handle:
        handle.write(f"# {name}: {killed}/{tested} killed; {len(survivors)} survivors\n")
        handle.write(f"# mutated: {', '.join(module.sources)}\n# tests: {', '.join(module.tests)}\n\n")
        diffs = survivor_diffs(work, survivors, env)
        for key in survivors:
            handle.write(f"## {key}: {results[key]}\n{diffs.get(key, '(no diff)').strip()}\n\n")
    row = {"name": name, "killed": killed, "tested": tested, "counts": dict(counts), "seconds": seconds,
           "ok": done.returncode == 0 and bool(results), "kept_from_previous_run": len(kept),
           "retested_against": list(module.tests) if tests else "all"}
    (RESULTS / f"{name}.json").write_text(json.dumps(row, indent=1) + "\n")
    return row


def stored_rows() -> list[dict]:
    """The latest result of every module that has one, in :data:`MODULES` order."""
    paths = {name: RESULTS / f"{name}.json" for name in MODULES}
    return [json.loads(path.read_text()) for path in paths.values() if path.exists()]


def table(rows: list[dict]) -> str:
    """Markdown kill-rate table with a total row."""
    lines = ["| module | killed/total | kill rate | survived | no tests | timeout | time (s) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        rate = 100.0 * r["killed"] / r["tested"] if r["tested"] else float("nan")
        c = r["counts"]
        lines.append(f"| {r['name']} | {r['killed']}/{r['tested']} | {rate:.1f}% | {c.get('survived', 0)} | "
                     f"{c.get('no tests', 0)} | {c.get('timeout', 0)} | {r['seconds']:.0f} |")
    killed, tested = sum(r["killed"] for r in rows), sum(r["tested"] for r in rows)
    total = 100.0 * killed / tested if tested else float("nan")
    lines.append(f"| **total** | {killed}/{tested} | {total:.1f}% | | | | {sum(r['seconds'] for r in rows):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"default: all of {', '.join(MODULES)}")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested in parallel (default 2, a CI machine)")
    parser.add_argument("--list", action="store_true", help="print the module map and exit")
    parser.add_argument("--resume", action="store_true",
                        help="keep the previous run's kills of unchanged functions; re-test the rest")
    parser.add_argument("--unchecked-only", action="store_true",
                        help="with --resume, keep its survivors too: test only mutants it never checked")
    parser.add_argument("--tests", nargs="+", default=(), metavar="FILE",
                        help="with --resume: re-test against these test files only (e.g. the ones just added)")
    parser.add_argument("--summary", action="store_true", help="print the table of the latest stored results and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, module in MODULES.items():
            print(f"{name}: {' '.join(module.sources)}\n    tests: {' '.join(module.tests)}")
        return 0
    if args.summary:
        print(table(stored_rows()))
        return 0
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {', '.join(MODULES)}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    if args.tests and not (args.resume or args.unchecked_only):
        parser.error("--tests re-tests a previous run's survivors: use it with --resume")
    for name in args.modules or list(MODULES):
        row = run_module(name, args.jobs, resume=args.resume or args.unchecked_only,
                         unchecked_only=args.unchecked_only, tests=tuple(args.tests))
        rows.append(row)
        print(f"{name}: {row['killed']}/{row['tested']} killed in {row['seconds']:.0f} s", flush=True)
    print(table(rows))
    # summary.md: the latest result of every module, this run's and earlier ones.
    (RESULTS / "summary.md").write_text(table(stored_rows()) + "\n")
    print(f"survivors: {RESULTS.relative_to(REPO)}/<module>.txt")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
