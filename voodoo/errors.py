"""One error hierarchy. Every message names the file (and line, where there is one)."""

from __future__ import annotations


class VoodooError(Exception):
    """Base class for every error voodoo raises on purpose."""

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
    """A file could not be read or parsed as Python (3 or 2)."""

    code = "parse-error"  #: the code of the diagnostic it becomes


class TooComplexError(ParseError):
    """A file holds more tokens than analysis may spend time and memory on."""

    code = "too-complex"


class AnalysisError(VoodooError):
    """A file parsed, but its command line could not be analyzed."""


class PackError(VoodooError):
    """The pack directory cannot be read or written as asked."""


class ConflictError(PackError):
    """A file in the pack was changed by hand and voodoo will not overwrite it."""


class LockError(PackError):
    """Another voodoo process is writing the same pack."""


class ConfigError(VoodooError):
    """The voodoo configuration (pyproject.toml / voodoo.yaml) is invalid."""


class ParameterError(VoodooError):
    """Action parameters were rejected; ``problems`` lists every one, nothing was run."""

    def __init__(self, problems: list[str], *, path: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__(
            "invalid parameters:\n" + "\n".join(f"  - {p}" for p in problems), path=path
        )


class ActionError(PackError):
    """An action cannot be found, loaded or run locally (bad metadata, unsupported runner)."""
