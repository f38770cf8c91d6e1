"""The command-line shells: the only code that reads Hydra configs (``DictConfig``).

Each shell composes ``conf/``, builds objects through :func:`forecast.cli.instantiate.build`
(the one instantiate site, restricted to ``forecast`` code) and calls a library function
with plain arguments. Library errors name the argument (``horizon``); the shells name the
config key it came from (``backtest.horizon``) and print it as one line.

- :mod:`forecast.cli.run`: ``forecast-run`` (:func:`forecast.pipeline.run`)
- :mod:`forecast.cli.ingest`: ``forecast-ingest`` (:func:`forecast.events.ingest`)
- :mod:`forecast.cli.code_text`: ``forecast-code-text`` (:func:`forecast.events.text.run_code_text`)
- :mod:`forecast.cli.compare`: ``forecast-compare`` (:func:`forecast.report.comparison.collate`)
"""

from forecast.cli.shell import CONF_DIR, CONFIG_PATH, register_resolvers, setup, shell

__all__ = ["CONFIG_PATH", "CONF_DIR", "register_resolvers", "setup", "shell"]
