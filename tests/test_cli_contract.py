"""The error contract of every command: one line on stderr naming the key/file and the fix, exit 2.

Most cases call the console-script functions in-process (``sys.argv`` patched); a few run
the installed scripts as subprocesses, which also shows that no traceback reaches stderr.
Also ``--help`` / ``--version`` of each command and the ``hydra.callbacks`` allow-list.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from forecast.cli.code_text import code_text_main
from forecast.cli.compare import compare_main
from forecast.cli.fetch import fetch_main
from forecast.cli.ingest import ingest_main, run_from_config
from forecast.cli.instantiate import check_argument_types
from forecast.cli.report import report_main
from forecast.cli.run import run_main
from forecast.cli.shell import check_callbacks, group_options
from forecast.errors import ArgumentError
from tests.helpers import CONF_DIR

REPO = Path(CONF_DIR).parent
EXAMPLE_EVENTS = REPO / "data" / "examples" / "belarus-china-drills.events.csv"
EXAMPLE_TEXT = REPO / "data" / "examples" / "belarus-china-drills.txt"
EXAMPLE_PANEL = REPO / "tests" / "fixtures" / "panel" / "dyad_month.csv"
BIN = Path(sys.executable).parent
TKG_SMALL = Path(__file__).resolve().parent / "fixtures" / "tkg_small"


@pytest.fixture(autouse=True)
def _restore_logging():
    """Hydra configures logging in-process onto captured streams; put the handlers back after."""
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    yield
    for lg in [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]:
        lg.handlers[:] = []
    for lg, handlers, level, propagate, disabled in saved:
        lg.handlers[:], lg.level, lg.propagate, lg.disabled = handlers, level, propagate, disabled


def _one_line_error(stderr: str, prog: str) -> str:
    """The single stderr line of a failed command (asserting there is exactly one)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
    return lines[0]


def _in_process(main, prog: str, argv: list[str], monkeypatch, capsys) -> str:
    """Run a console-script function with ``argv``; assert exit 2 and one stderr line; return it."""
    monkeypatch.setattr(sys, "argv", [prog, *argv])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    return _one_line_error(capsys.readouterr().err, prog)


def _script(prog: str, *args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / prog), *args], capture_output=True, text=True, cwd=cwd, timeout=300,
        env={**os.environ, **(env or {})},
    )


# --- forecast-run: Hydra's own config errors, reworded ----------------------------------------

RUN_CASES = [
    # (argv, the exact message after "forecast-run: error: ", up to the pointer to --cfg job)
    (["backtest.horizn=4"], "backtest.horizn: no such config key; close valid keys: 'backtest.horizon'"),
    (["modle=naive"], "modle: no such config key; close valid keys: 'model'."),
    (["report.titel=x"], "report.titel: no such config key; close valid keys: 'report.title'"),
    (["model=nb_glmm"], "model=nb_glmm: no such option in config group 'model'; close options: 'nb_glm', 'zinb_glm'."),
    (["model=[naive,nb_glmm]"], "model=nb_glmm: no such option in config group 'model'; close options: 'nb_glm'"),
    (["data=gdelt3"], "data=gdelt3: no such option in config group 'data'; close options: 'gdelt', 'gdelt2', 'gdelt1'."),
    # Hydra's own lexer message named neither the fix nor, for parentheses, the key
    (["report.title=China (PRC)"],
     "report.title: Hydra's override grammar cannot read the value 'China (PRC)': ( ) < > , [ ] and = need quotes "
     "that reach Hydra; write 'report.title=\"China (PRC)\"' (the outer quotes are the shell's)."),
    (["+report.note=a<b"], "report.note: Hydra's override grammar cannot read the value 'a<b'"),
    (["model=[naive,"], "model: Hydra's override grammar cannot read '[naive,'; write a list as [a,b]"),
    (["backtest.horizon=abc"], "backtest.horizon: expected an integer, got 'abc'; fix the value."),
    (["backtest.horizon=2.5"], "backtest.horizon: expected an integer, got 2.5; fix the value."),
    (["backtest.n_windows=0"], "backtest.n_windows: must be >= 1, got 0."),
    (["model=[crps_ensemble]", "model.crps_ensemble.members.4.n_paths=many"],
     "model.crps_ensemble.members.4.n_paths: expected an integer, got 'many'; fix the value."),
    (["--bogus"], "unrecognized arguments: --bogus; see forecast-run --help."),
    # Hydra's own ValueError tracebacks for flags that exclude each other
    (["model=naive", "-m", "--cfg", "job"],
     "--multirun and --cfg cannot be combined: give one of --run, --multirun (-m), --cfg, --info "
     "(--cfg job without -m prints one job's config); see forecast-run --help."),
    (["--resolve"], "--resolve works only with --cfg or --help; see forecast-run --help."),
    (["series.families=[cooperation|navy]"],
     "series.families: family expression 'cooperation|navy' names unknown family ['navy']; defined: ['accuse_criticise',"),
    (["backtest.horizon=40"], "backtest.n_windows: the backtest needs 48 scored periods (gap 0 + horizon 40 + step 4"),
    # Checked against series.dyads x series.families before the ingest (they failed after the whole backtest).
    (["report.family=conflict"],
     "report.family: 'conflict' is not a family of this run; families: cooperation, military_contact (or null for the first)."),
    (["report.compare=[[CHN,IND],[CHN,USA]]"], "report.compare: ['CHN', 'IND'] is not among the run's dyads: CHN-RUS, CHN-USA."),
    (["report.n_samples=-5"], "report.n_samples: expected an integer >= 1 (sample paths behind the headline), got -5."),
    (["report.n_samples=abc"], "report.n_samples: expected an integer >= 1 (sample paths behind the headline), got 'abc'."),
    (["seed=abc"], "seed: expected an integer, got 'abc'; fix the value."),  # not model.naive.seed
    (["backtest.quantiles=abc"], "backtest.quantiles: expected a list of numbers, got 'abc'; fix the value."),
    # One sector as a string was the sectors 'M', 'I', 'L': every series was zero.
    (["series.sectors=MIL"], "series.sectors: expected a list of strings, got 'MIL'; fix the value."),
    # Data options are named under data.*, before anything is read.
    (["data.path=/no/mine.csv"], "data.path: the embedded data take no path, got '/no/mine.csv'; to read that file, "
     "name its format (data=events, data=gdelt2, ..., or data=auto to detect it)."),
    (["data=events", "data.path=null"], "data.path: format 'events' needs a path: give a file, folder or glob."),
    (["data.format=gdelt9"], "data.format: unknown event format 'gdelt9'; choose one of"),
    (["data=icews_tkg", f"data.path={TKG_SMALL}", "data.start_date=2018-01-01", "data.time_unit=fortnight"],
     "data.time_unit: must be one of ['day', 'hour'], got 'fortnight'."),
    (["data=icews_tkg", f"data.path={TKG_SMALL}", "data.start_date=soon", "data.time_unit=hour"],
     "data.start_date: 'soon' is not a date; give time 0 of the set as YYYY-MM-DD."),
    (["+data.extra=[{format: events}]"], "data.extra.0.path: format 'events' needs a path: give a file, folder or glob."),
    (["+data.extra=[{format: embedded}]"],
     "data.extra: source_dataset ['icews18', 'icews21'] appears in more than one source; rename one (its dataset option)."),
    (["+hydra.callbacks.x._target_=os.system", "+hydra.callbacks.x.command=true"],
     "hydra.callbacks.x._target_: 'os.system' is not allowed"),
]


@pytest.mark.parametrize(("argv", "message"), RUN_CASES, ids=[" ".join(a) for a, _ in RUN_CASES])
def test_forecast_run_config_errors(argv, message, tmp_path, monkeypatch, capsys):
    line = _in_process(run_main, "forecast-run", [f"hydra.run.dir={tmp_path}", *argv], monkeypatch, capsys)
    assert line.startswith(f"forecast-run: error: {message}"), line
    assert "use +" not in line and "To append" not in line
    assert not (tmp_path / "metrics.csv").exists()


def test_forecast_run_missing_data_path_names_it(tmp_path, monkeypatch, capsys):
    argv = [f"hydra.run.dir={tmp_path}", "data=events", "data.path=/no/such/events.csv"]
    line = _in_process(run_main, "forecast-run", argv, monkeypatch, capsys)
    assert line.startswith("forecast-run: error: data.path: no input matches '/no/such/events.csv'. Give a file,")


def test_forecast_run_without_data_path_names_it_and_reads_nothing(tmp_path, monkeypatch, capsys):
    # data=events leaves data.path at ???; taken as a glob it matched the folder 'abc' of the cwd.
    (tmp_path / "abc").mkdir()
    (tmp_path / "abc" / "events.csv").write_bytes(EXAMPLE_EVENTS.read_bytes())
    monkeypatch.chdir(tmp_path)
    line = _in_process(run_main, "forecast-run", [f"hydra.run.dir={tmp_path / 'run'}", "data=events"], monkeypatch, capsys)
    assert line == "forecast-run: error: data.path: no value given; set it on the command line (data.path=...)."
    assert not (tmp_path / "run" / "events_summary.json").exists()


def test_report_compare_errors_name_report_compare(tmp_path, monkeypatch, capsys):
    quick = ["model=[naive]", "backtest.horizon=2", "backtest.n_windows=1", "backtest.n_samples=0",
             "report.n_samples=20", "evaluation.reference=null"]
    # One dyad given as a string was taken as the sequence of its letters.
    line = _in_process(run_main, "forecast-run", [f"hydra.run.dir={tmp_path / 'one'}", *quick, "report.compare=CHN-RUS"],
                       monkeypatch, capsys)
    assert line == "forecast-run: error: report.compare: name exactly two dyads, got ['CHN-RUS']."
    # Two dyads without a common family: the lead family's series of the second one does not exist.
    dates = pd.date_range("2021-01-04", periods=16, freq="W-MON")
    panel = pd.DataFrame({"unique_id": ["A-B/f"] * 16 + ["C-D/g"] * 16, "ds": list(dates) * 2, "y": [1.0, 3.0] * 16})
    panel.to_csv(tmp_path / "panel.csv", index=False)
    argv = [f"hydra.run.dir={tmp_path / 'panel'}", *quick, "data=panel", f"data.path={tmp_path / 'panel.csv'}",
            "report.family=null"]
    line = _in_process(run_main, "forecast-run", argv, monkeypatch, capsys)
    assert line == ("forecast-run: error: report.compare: series ['C-D/f', 'A-B/g'] are not in the run, so the headline "
                    "cannot compare them; series in the run: ['A-B/f', 'C-D/g'].")
    assert not (tmp_path / "panel" / "backtest.parquet").exists()  # refused before the backtest


# --- forecast-ingest ------------------------------------------------------------------------------


def _pickle_files(tmp_path: Path) -> dict[str, Path]:
    frame = pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"], "y": [1]})
    by_suffix = tmp_path / "panel.pkl"
    frame.to_pickle(by_suffix)
    disguised = tmp_path / "events.csv"  # a protocol-4 pickle under a .csv name
    disguised.write_bytes(pickle.dumps(frame, protocol=4))
    return {"suffix": by_suffix, "magic": disguised}


INGEST_CASES = [
    ([], "data.path: no value given; set it on the command line (data.path=...)."),
    (["data.path=/no/such/file.csv"],
     "data.path: no input matches '/no/such/file.csv'. Give a file, a folder or a glob such as"),
    (["data.formatt=icews", f"data.path={EXAMPLE_EVENTS}"], "data.formatt: no such config key; close valid keys: 'data.format'"),
    (["data=icwes", f"data.path={EXAMPLE_EVENTS}"], "data=icwes: no such option in config group 'data'; close options: 'icews'"),
    (["blok_mb=4", f"data.path={EXAMPLE_EVENTS}"], "blok_mb: no such config key; close valid keys: 'block_mb'."),
    (["+data.bogus=1", f"data.path={EXAMPLE_EVENTS}"], "data.bogus: not an option of format 'auto'; remove it"),
    (["data.format=nosuch", f"data.path={EXAMPLE_EVENTS}"], "data.format: unknown event format 'nosuch'"),
    # validate=maybe was taken as true; block_mb=abc and -1 were int() and numpy tracebacks.
    (["validate=maybe", f"data.path={EXAMPLE_EVENTS}"], "validate: expected true or false, got 'maybe'; fix the value."),
    (["block_mb=abc", f"data.path={EXAMPLE_EVENTS}"], "block_mb: expected an integer, got 'abc'; fix the value."),
    (["block_mb=-1", f"data.path={EXAMPLE_EVENTS}"], "block_mb: must be >= 1, got -1."),
    # memory_limit=lots was DuckDB's ParserException traceback after the whole parse; -5MB no limit at all
    (["memory_limit=lots", f"data.path={EXAMPLE_EVENTS}"],
     "memory_limit: 'lots' is not a memory size (Parser Error: Memory must have a number (e.g. 1GB)); give a number"),
    # a reader option of the wrong type was the reader's TypeError, with the format given or detected
    (["data=panel", f"data.path={EXAMPLE_PANEL}", "data.chunk_rows=abc"], "data.chunk_rows: expected an integer, got 'abc'; fix the value."),
    ([f"data.path={EXAMPLE_PANEL}", "+data.chunk_rows=abc"], "data.chunk_rows: expected an integer, got 'abc'; fix the value."),
    (["memory_limit=-5MB", f"data.path={EXAMPLE_EVENTS}"],
     "memory_limit: '-5MB' is not a memory size; give a number and a unit, such as '128MB' or '1GiB'."),
]


@pytest.mark.parametrize(("argv", "message"), INGEST_CASES, ids=[a[0] if a else "no-path" for a, _ in INGEST_CASES])
def test_forecast_ingest_errors(argv, message, tmp_path, monkeypatch, capsys):
    line = _in_process(ingest_main, "forecast-ingest", [f"hydra.run.dir={tmp_path}", *argv], monkeypatch, capsys)
    assert line.startswith(f"forecast-ingest: error: {message}"), line
    assert not (tmp_path / "events.parquet").exists()


@pytest.mark.parametrize("kind", ["suffix", "magic"])
@pytest.mark.parametrize("data", ["auto", "panel"])
def test_a_pickle_given_as_data_is_refused_by_name(kind, data, tmp_path, monkeypatch, capsys):
    path = _pickle_files(tmp_path)[kind]
    argv = [f"hydra.run.dir={tmp_path / 'run'}", f"data={data}", f"data.path={path}"]
    line = _in_process(ingest_main, "forecast-ingest", argv, monkeypatch, capsys)
    assert line == (
        f"forecast-ingest: error: {path}: is a Python pickle, which forecast never loads (unpickling can "
        "run any code); export the table as CSV or Parquet."
    )


def test_ingest_refuses_the_store_source_and_names_the_fix(tmp_path, monkeypatch, capsys):
    line = _in_process(ingest_main, "forecast-ingest", [f"hydra.run.dir={tmp_path}", "data=store", "data.path=x"],
                       monkeypatch, capsys)
    assert line.startswith("forecast-ingest: error: data: store is a forecast-run source that reads a store"), line


def test_library_argument_errors_are_named_by_ingest_config_key(tmp_path):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=[f"data.path={EXAMPLE_EVENTS}", "data.format=nosuch"])
    with pytest.raises(ArgumentError, match=r"^data\.format: unknown event format 'nosuch'"):
        run_from_config(cfg, tmp_path)


# --- forecast-code-text and forecast-compare ------------------------------------------------------

CODE_TEXT_CASES = [
    ([], "input: no value given; set it on the command line (input=...)."),
    (["input=/no/such.txt", "output=x.csv"],
     "input: input /no/such.txt does not exist; give a .jsonl or .txt file or a folder of .txt files."),
    ([f"input={EXAMPLE_TEXT}", "output=x.xyz", "published=2024-07-18"], "output x.xyz: unknown format"),
    ([f"input={EXAMPLE_TEXT}", "output=x.csv", "published=notadate"], f"{EXAMPLE_TEXT}: publication date 'notadate'"),
    (["inptu=a.txt"], "inptu: no such config key; close valid keys: 'input'."),
    ([f"input={EXAMPLE_TEXT}", "output=x.csv", "min_confidence=abc"], "min_confidence: expected a number, got 'abc'; fix the value."),
]


@pytest.mark.parametrize(("argv", "message"), CODE_TEXT_CASES, ids=[a[0] if a else "no-input" for a, _ in CODE_TEXT_CASES])
def test_forecast_code_text_errors(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    line = _in_process(code_text_main, "forecast-code-text", argv, monkeypatch, capsys)
    assert line.startswith(f"forecast-code-text: error: {message}"), line
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--n-boot", "x", "."], "argument --n-boot: invalid int value: 'x'; see forecast-compare --help."),
        ([], "the following arguments are required: multirun_dir; see forecast-compare --help."),
        (["/no/such/sweep"], "multirun_dir: no backtest.parquet under '/no/such/sweep'"),
        (["--n-boot", "0", "/no/such/sweep"], "--n-boot: must be an integer >= 1, got 0."),  # before the sweep is read
    ],
)
def test_forecast_compare_errors(argv, message, monkeypatch, capsys):
    line = _in_process(compare_main, "forecast-compare", argv, monkeypatch, capsys)
    assert line.startswith(f"forecast-compare: error: {message}"), line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: run_dir; see forecast-report --help."),
        (["run_dir=/no/such/run"], "run_dir: '/no/such/run' is not a folder"),
    ],
)
def test_forecast_report_errors(argv, message, monkeypatch, capsys):
    line = _in_process(report_main, "forecast-report", argv, monkeypatch, capsys)
    assert line.startswith(f"forecast-report: error: {message}"), line


# --- the real scripts: no traceback, --debug, and the callbacks allow-list ------------------------


@pytest.mark.slow
def test_callback_target_outside_forecast_runs_nothing(tmp_path):
    pwned = tmp_path / "pwned"
    done = _script(
        "forecast-run", "+hydra.callbacks.x._target_=os.system", f"+hydra.callbacks.x.command=touch {pwned}",
        f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path,
    )
    assert done.returncode == 2
    line = _one_line_error(done.stderr, "forecast-run")
    assert line.startswith("forecast-run: error: hydra.callbacks.x._target_: 'os.system' is not allowed")
    assert not pwned.exists() and not (tmp_path / "run").exists()


@pytest.mark.slow
def test_scripts_report_one_line_and_debug_shows_the_traceback(tmp_path):
    done = _script("forecast-ingest", "data.path=/no/such/file.csv", f"hydra.run.dir={tmp_path}", cwd=tmp_path)
    assert done.returncode == 2
    line = _one_line_error(done.stderr, "forecast-ingest")
    assert line.startswith("forecast-ingest: error: data.path: no input matches '/no/such/file.csv'")
    for extra, env in ((["--debug"], None), ([], {"HYDRA_FULL_ERROR": "1"})):
        debug = _script("forecast-ingest", "data.path=/no/such/file.csv", *extra, cwd=tmp_path, env=env)
        assert debug.returncode == 2 and "Traceback" in debug.stderr and "data.path" in debug.stderr


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ("+hydra.callbacks.x._target_=subprocess.run", "hydra.callbacks.x._target_"),
        ("+hydra.callbacks.x={_target_:os.system,command:true}", "hydra.callbacks.x._target_"),
        ("+hydra.callbacks={a:{_target_:forecast.pipeline.json.loads}}", "hydra.callbacks.a._target_"),
    ],
)
def test_callbacks_are_checked_against_the_allow_list(override, where):
    with pytest.raises(ArgumentError, match=rf"^{where.replace('.', chr(92) + '.')}: .* is not allowed"):
        check_callbacks([override])


def test_forecast_callbacks_and_other_overrides_pass_the_check():
    check_callbacks(["+hydra.callbacks.t._target_=forecast.backtest.BacktestSpec", "model=naive", "seed=1"])


def test_argument_types_follow_the_annotations():
    from forecast.backtest import BacktestSpec

    check_argument_types(BacktestSpec, {"horizon": 3, "train_size": None, "spike_quantile": 1, "window": "sliding"}, where="b")
    for name, value, expected in [
        ("horizon", True, "an integer"),  # a bool is not an int here
        ("train_size", "x", "an integer or null"),
        ("spike_quantile", "high", "a number"),
        ("window", 3, "a string"),
    ]:
        with pytest.raises(ArgumentError, match=rf"^b\.{name}: expected {expected}, got {value!r}"):
            check_argument_types(BacktestSpec, {name: value}, where="b")
    # Sequences of scalars: a string is not a list of them (it was taken as a sequence of letters).
    check_argument_types(BacktestSpec, {"quantiles": [0.1, 1, 0.9]}, where="b")
    for value in ("abc", [0.1, "x"], 0.5):
        with pytest.raises(ArgumentError) as caught:
            check_argument_types(BacktestSpec, {"quantiles": value}, where="b")
        assert str(caught.value) == f"b.quantiles: expected a list of numbers, got {value!r}; fix the value."


# --- --help and --version -------------------------------------------------------------------------

HYDRA_COMMANDS = {"forecast-run": run_main, "forecast-ingest": ingest_main, "forecast-code-text": code_text_main,
                  "forecast-fetch": fetch_main}
ARGPARSE_COMMANDS = {"forecast-compare": lambda: compare_main(None), "forecast-report": lambda: report_main(None)}
COMMANDS = {**HYDRA_COMMANDS, **ARGPARSE_COMMANDS}


def _help(main, prog: str, monkeypatch, capsys, flag: str = "--help") -> str:
    monkeypatch.setattr(sys, "argv", [prog, flag])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code in (0, None)
    out = capsys.readouterr()
    assert out.err == ""
    return out.out


@pytest.mark.parametrize("prog", COMMANDS)
def test_help_has_description_usage_and_examples(prog, monkeypatch, capsys):
    text = _help(COMMANDS[prog], prog, monkeypatch, capsys)
    first = text.splitlines()[0]
    assert first.startswith(f"{prog}: ") or first.startswith(f"usage: {prog}")
    assert "sage: " in text and "xamples:" in text and "--debug" in text and "--version" in text
    assert "``" not in text and ":func:" not in text and "Powered by Hydra" not in text


def test_run_help_lists_every_group_with_its_options(monkeypatch, capsys):
    text = _help(run_main, "forecast-run", monkeypatch, capsys)
    for group in ("backtest", "data", "experiment", "model", "report", "series", "taxonomy"):
        assert f"\n{group}: {', '.join(group_options(group))}\n" in text


def test_fetch_help_lists_only_the_source_group(monkeypatch, capsys):
    text = _help(fetch_main, "forecast-fetch", monkeypatch, capsys)
    assert f"\nsource: {', '.join(group_options('source'))}\n" in text
    assert "model:" not in text and "data:" not in text


def test_ingest_help_lists_only_the_data_group(monkeypatch, capsys):
    text = _help(ingest_main, "forecast-ingest", monkeypatch, capsys)
    # data=store reads a store for forecast-run; forecast-ingest appends to one with store=<dir>.
    # data=embedded is forecast-run's built-in table, which forecast-ingest refuses (no file to read).
    assert f"\ndata: {', '.join(o for o in group_options('data') if o not in ('store', 'embedded'))}\n" in text
    assert "model:" not in text and "backtest:" not in text and "series:" not in text


@pytest.mark.parametrize("prog", COMMANDS)
def test_version(prog, monkeypatch, capsys):
    assert _help(COMMANDS[prog], prog, monkeypatch, capsys, flag="--version") == f"forecast {metadata.version('forecast')}\n"
