"""The error types a user can meet.

Library code raises these with a message that names what is wrong (the file and row, the
series, or the argument) and gives the fix. The command-line shells in :mod:`forecast.cli`
print them as one line on stderr and exit 2; an :class:`ArgumentError` is first re-labelled
with the config key the argument came from (``horizon`` -> ``backtest.horizon``).
"""

from __future__ import annotations


class ForecastError(Exception):
    """A user-facing failure whose message says what is wrong and how to fix it."""


class ArgumentError(ForecastError, ValueError):
    """A bad argument value.

    Parameters
    ----------
    argument : str
        The parameter's name as the library function knows it (``horizon``).
    message : str
        What is wrong with it and the fix, without the name.
    """

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument
        self.detail = message

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Picklable with both arguments, so a failed job of a process-pool sweep reports back.
        return type(self), (self.argument, self.detail)

    def under(self, prefix: str) -> ArgumentError:
        """The same error with the argument named under a config path (``backtest``)."""
        return ArgumentError(f"{prefix}.{self.argument}" if prefix else self.argument, self.detail)


class DataError(ForecastError, ValueError):
    """Input data that cannot be used as given: the message names the file and row, or the series."""


class MissingInputError(DataError, FileNotFoundError):
    """A path, folder or glob that matches no input file; the shells name the config key it came from."""


class DataGapWarning(UserWarning):
    """Periods of the coverage left out of the panel as gaps in the data (empty runs, outages).

    A warning, not an error: the panel is built without them. A run records each one as a
    caveat of its report, so a reader sees which periods the series skip.
    """
