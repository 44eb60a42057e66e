"""One error hierarchy. Every message names the file (and line, where there is one).

Each class carries the exit code the ``voodoo`` command ends with when that error reaches
it (``voodoo.boundary.error_boundary``, the one place that turns an error into a message):

- 1, the job failed: something on disk stands in the way (a script that does not parse,
  the pack, its lock, a hand edit, the configuration). Fix the files and run again.
- 2, nothing was done as asked: the command line asked for what cannot be (parameters an
  action refuses, an action or past run that is not there or cannot be started), as
  click's own usage errors are 2.

Errors that only pass between voodoo's own modules and are turned into one of these (or a
diagnostic) before they leave (``py2.Python2Error``, ``local.templates.UnsupportedTemplate``,
``analyzers._docopt_usage.UsageError``, the pack runtime's ``ArgvError``) are not
VoodooErrors and never reach a user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from voodoo.local.execute import Execution

#: the job failed (see the module docstring)
FAILED = 1
#: nothing was done as asked: usage (see the module docstring)
USAGE = 2


class VoodooError(Exception):
    """Base class for every error voodoo raises on purpose; raised as itself for sources
    that cannot be used (none given, one missing) and a missing configuration."""

    #: what ``voodoo`` exits with when this error ends a command
    exit_code: ClassVar[int] = FAILED

    def __init__(self, message: str, *, path: str | None = None, line: int = 0) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ParseError(VoodooError):
    """A file could not be read or parsed as Python (3 or 2). Ingest and inspect report it
    as that file's diagnostic and go on with the other files."""

    code = "parse-error"  #: the code of the diagnostic it becomes


class TooComplexError(ParseError):
    """A file holds more tokens than analysis may spend time and memory on."""

    code = "too-complex"


class PackError(VoodooError):
    """The pack directory cannot be read or written as asked (a corrupt manifest, a file
    where a folder goes, a path leading outside the pack, an invalid pack name)."""


class ConflictError(PackError):
    """A file in the pack was changed by hand (or on disk while voodoo was planning) and
    voodoo will not overwrite it."""


class LockError(PackError):
    """Another voodoo process is writing the same pack, and did not finish in time."""


class ConfigError(VoodooError):
    """The voodoo configuration (pyproject.toml ``[tool.voodoo]`` / voodoo.yaml) cannot be
    read or is invalid, or ``voodoo init`` cannot write it (already configured, a
    .pre-commit-config.yaml it cannot add the hook to)."""


class ParameterError(VoodooError):
    """Action parameters were rejected; ``problems`` lists every one, nothing was run."""

    exit_code = USAGE

    def __init__(self, problems: list[str], *, path: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} invalid parameter(s), nothing was run:"
            + "".join(f"\n  - {p}" for p in self.problems),
            path=path,
        )


class ActionError(PackError):
    """An action (or a past run of one) cannot be found, loaded or started locally: no such
    action, bad metadata, an unsupported runner, a missing interpreter. Nothing was run."""

    exit_code = USAGE


class RunLogError(ActionError):
    """The action ran, but its run could not be added to the pack's execution log.

    ``execution`` is the finished run: ``voodoo run`` shows it, warns on stderr and exits
    with the action's own code, not this class's (which is for any other caller that lets
    it reach the boundary: the run happened, its record did not)."""

    exit_code = FAILED

    def __init__(self, message: str, execution: Execution, *, path: str | None = None) -> None:
        self.execution = execution
        super().__init__(message, path=path)


__all__ = [
    "ActionError",
    "ConfigError",
    "ConflictError",
    "LockError",
    "PackError",
    "ParameterError",
    "ParseError",
    "RunLogError",
    "TooComplexError",
    "VoodooError",
]
