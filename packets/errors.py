"""Error types shown to users.

Everything a clinic or the front desk can fix (a bad config, a bad row, a name the
fonts cannot draw) is a ``PacketsError``; the CLI prints its message and exits 1.
Anything else is a bug in this tool and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class PacketsError(Exception):
    """A problem the user can fix; ``str(err)`` is the whole message."""


@dataclass(frozen=True)
class Problem:
    """One finding in a file: where it is, what is wrong, how to fix it."""

    file: str
    line: int | None
    where: str
    message: str
    severity: str = "error"  # "error", "warning" or "info" (a note, e.g. a reading grade)

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.where}:" if self.where else ""
        label = {"error": "", "warning": "warning: ", "info": "note: "}[self.severity]
        return f"{place}:{key} {label}{self.message}"


class ConfigError(PacketsError):
    """A config file has one or more problems; all of them are listed at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RenderError(PacketsError):
    """A packet could not be rendered (unprintable text, a blocked resource...)."""


class FloorError(RenderError):
    """The laid-out packet would not print its safety floor; ``file``/``line``: the clinic's likely cause."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None):
        self.file, self.line = file, line
        super().__init__(message)
