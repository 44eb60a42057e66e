"""Project configuration: ``[tool.voodoo]`` in ``pyproject.toml`` or a ``voodoo.yaml``.

Found by walking up from the current folder, so ``voodoo ingest``/``check``/``watch`` and
the pre-commit hooks work without arguments from anywhere inside the project::

    [tool.voodoo]
    sources = ["scripts", "tools/*.py"]     # folders, files or globs (relative to this file)
    exclude = ["scripts/old/**"]            # globs; .gitignore files (any depth, with !) too
    pack = "packs/ops"
    [tool.voodoo.metadata]                  # only used for a NEW pack.yaml
    name = "ops"
    description = "Ops actions"
    author = "Ops team"
    email = "ops@example.com"
    version = "0.1.0"
    [tool.voodoo.scripts."deploy.py"]       # per script (path relative to the source root)
    action = "deploy"
    description = "Deploy a component"
    secret = ["token"]
    exclude = false
    runner = "python-script"                # the only runner accepted (see _check_runner)

Pure data plus reading; no libcst here (``check`` imports this on its fast path).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voodoo.errors import ConfigError  # (re-exported: init and tests import it from here)
from voodoo.limits import DEFAULT_MAX_SIZE

CONFIG_NAMES = ("voodoo.yaml", "voodoo.yml", "pyproject.toml")
#: the one runner voodoo generates actions for (``voodoo.stackstorm.RUNNER_TYPE``)
RUNNER = "python-script"
_SCRIPT_KEYS = frozenset({"action", "description", "exclude", "secret", "runner", "cwd"})
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class ScriptOverride:
    """What a person decided for one script, over what voodoo finds in it."""

    action: str | None = None  #: the action name (scripts with one command only)
    description: str | None = None
    exclude: bool = False  #: never ingest this script
    secret: tuple[str, ...] = ()  #: parameter names to mark ``secret: true``
    #: the script's working directory when its actions run: absolute, or relative to the
    #: script's own folder in the pack (None: that folder)
    cwd: str | None = None


@dataclass(frozen=True, slots=True)
class PackMeta:
    """``pack.yaml`` fields for a new pack (an existing pack.yaml is the user's)."""

    name: str | None = None
    description: str | None = None
    author: str | None = None
    email: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """How the pack is rendered beyond what the scripts say: CLI flags or config keys."""

    functions: bool = False  #: modules without a command line: one action per function
    config_schema: bool = False  #: environment reads become config.schema.yaml keys
    keep_python2: bool = False  #: copy Python 2 scripts unconverted, run them with python2
    #: largest script analyzed, in bytes; None: the configuration's, else DEFAULT_MAX_SIZE
    max_size: int | None = None

    def with_config(self, config: Config | None) -> Settings:
        """Each flag on when this or ``config`` turns it on; ``max_size`` from this, else
        from ``config``, else the default."""
        size = self.max_size
        if size is None:
            size = config.max_size if config is not None else None
        if config is None:
            return dataclasses.replace(self, max_size=size or DEFAULT_MAX_SIZE)
        return Settings(
            self.functions or config.functions,
            self.config_schema or config.config_schema,
            self.keep_python2 or config.keep_python2,
            size or DEFAULT_MAX_SIZE,
        )

    def key(self) -> str:
        """A stable text naming the settings that are on (for cache fingerprints)."""
        names = ("functions", "config-schema", "keep-python2")
        on = [
            n
            for n, flag in zip(
                names, (self.functions, self.config_schema, self.keep_python2), strict=True
            )
            if flag
        ]
        if self.max_size not in (None, DEFAULT_MAX_SIZE):
            on.append(f"max-size={self.max_size}")
        return ",".join(on)


#: No setting on: what a pack gets without flags or config keys.
DEFAULTS = Settings()


@dataclass(frozen=True, slots=True)
class Config:
    """One project's voodoo configuration."""

    path: Path  #: the file it was read from
    sources: tuple[str, ...]  #: as written: folders, files or globs relative to ``root``
    pack: Path | None
    exclude: tuple[str, ...] = ()
    metadata: PackMeta = field(default_factory=PackMeta)
    scripts: dict[str, ScriptOverride] = field(default_factory=dict)
    #: lines of ``root/.git/info/exclude`` and ``root/.gitignore``; those of deeper
    #: folders are read when selecting
    gitignore: tuple[str, ...] = ()
    functions: bool = False  #: ``functions = true``: as ``voodoo ingest --functions``
    config_schema: bool = False  #: ``config-schema = true``: as ``--config-schema``
    keep_python2: bool = False  #: ``keep-python2 = true``: as ``--keep-python2``
    max_size: int | None = None  #: ``max-size = MB``: as ``--max-size`` (stored in bytes)
    #: ``run-log-size = MB``: the execution log is rotated above it (stored in bytes)
    run_log_size: int | None = None
    #: ``python = PATH``: the interpreter ``voodoo run`` runs python-script actions under
    #: (the pack virtualenv's, as StackStorm does); relative to the configuration's folder
    python: Path | None = None

    @property
    def root(self) -> Path:
        return self.path.parent

    def source_paths(self) -> list[Path]:
        """The folders and files to discover from; a glob contributes its static prefix."""
        out: list[Path] = []
        for s in self.sources:
            parts = Path(s).parts
            static = _until_glob(parts)
            path = self.root.joinpath(*static) if static else self.root
            if path.exists() and path not in out:
                out.append(path)
        return out

    def selects(self, path: Path) -> bool:
        """Whether a discovered file is one of the configured sources."""
        try:
            rel = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return True
        globbed = [s for s in self.sources if _GLOB_CHARS & set(s)]
        plain = [s.rstrip("/") for s in self.sources if not _GLOB_CHARS & set(s)]
        if not any(
            rel == p or rel.startswith(p + "/") or p in ("", ".") for p in plain
        ) and not any(_match(rel, g) for g in globbed):
            return False
        if any(_match(rel, g) for g in self.exclude):
            return False
        return not _gitignored(rel, self.root, self.gitignore)

    def fingerprint(self) -> str:
        """Changes whenever anything that shapes the rendered pack changes."""
        data = {
            "exclude": self.exclude,
            "sources": self.sources,
            "meta": [
                self.metadata.name,
                self.metadata.description,
                self.metadata.author,
                self.metadata.email,
                self.metadata.version,
            ],
            "scripts": {
                k: [v.action, v.description, v.exclude, v.secret, v.cwd]
                for k, v in sorted(self.scripts.items())
            },
            "gitignore": self.gitignore,
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _until_glob(parts: tuple[str, ...]) -> list[str]:
    out = []
    for p in parts:
        if _GLOB_CHARS & set(p):
            break
        out.append(p)
    return out


def _match(rel: str, pattern: str, *, whole: bool = False) -> bool:
    """Whether ``rel`` matches the glob ``pattern``, or lies in a folder it matches (unless
    ``whole``: then only ``rel`` itself counts)."""
    pattern = pattern.strip()
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    pattern = pattern.strip("/")
    if not pattern:
        return False
    # a bare name matches at any depth, as in .gitignore
    candidates = [rel] if anchored else [rel, *rel.split("/")]
    if whole:
        return any(_globmatch(c, pattern) for c in candidates[:1] + candidates[-1:])
    for c in candidates:
        if _globmatch(c, pattern) or c.startswith(pattern + "/"):
            return True
    # a folder pattern matches everything under it
    parts = rel.split("/")
    return any(_globmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts)))


def _globmatch(rel: str, pattern: str) -> bool:
    """``fnmatch`` with ``**`` spanning folders (``*`` and ``?`` stay inside one)."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.fullmatch("".join(out), rel) is not None


def find(start: Path | None = None) -> Config | None:
    """The configuration for ``start`` (default: the cwd), walking up; None when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                data = _read(candidate)
                if data is not None:
                    return parse(data, candidate)
    return None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    if path.name == "pyproject.toml":
        import tomllib

        try:
            doc = tomllib.loads(text.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from exc
        section = doc.get("tool", {}).get("voodoo")
        return section if isinstance(section, dict) else None
    import yaml

    try:
        loaded = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=str(path)) from exc
    if not isinstance(loaded, dict):
        raise ConfigError("expected a mapping", path=str(path))
    return loaded


def _strings(value: object, key: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{key!r} must be a string or a list of strings", path=str(path))


def _opt_str(d: dict[str, Any], key: str, path: Path) -> str | None:
    value = d.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{key!r} must be a string", path=str(path))
    return value


def _check_runner(runner: object, where: str, path: Path) -> None:
    # A python-script action runs the script through voodoo's wrapper, which rebuilds its
    # exact argv (options, flags, lists, "--") from typed parameters. local-shell-script
    # passes parameters as "--name value" (or by position) with values stringified, which
    # cannot express flags, repeated options, counts or "--", so most scripts' argv could
    # not be reproduced; rather than generate an action that runs the script differently,
    # only python-script is accepted.
    if runner != RUNNER:
        raise ConfigError(
            f"{where}.runner: {runner!r} is not supported; voodoo generates {RUNNER!r} "
            "actions only (they rebuild the script's exact command line; local-shell-script "
            "cannot express flags, repeated options or '--')",
            path=str(path),
        )


def parse(data: dict[str, Any], path: Path) -> Config:
    """A Config from the loaded mapping; ConfigError naming the file for anything wrong."""
    known = {
        "sources",
        "exclude",
        "pack",
        "metadata",
        "scripts",
        "functions",
        "config-schema",
        "keep-python2",
        "max-size",
        "run-log-size",
        "python",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown key(s): {', '.join(unknown)}", path=str(path))
    sources = _strings(data.get("sources", ["."]), "sources", path)
    pack = _opt_str(data, "pack", path)
    meta = data.get("metadata") or {}
    if not isinstance(meta, dict):
        raise ConfigError("'metadata' must be a mapping", path=str(path))
    metadata = PackMeta(
        **{
            k: _opt_str(meta, k, path)
            for k in ("name", "description", "author", "email", "version")
        }
    )
    scripts: dict[str, ScriptOverride] = {}
    raw_scripts = data.get("scripts") or {}
    if not isinstance(raw_scripts, dict):
        raise ConfigError("'scripts' must be a mapping", path=str(path))
    for rel, o in raw_scripts.items():
        if not isinstance(o, dict):
            raise ConfigError(f"scripts.{rel} must be a mapping", path=str(path))
        unknown = sorted(set(o) - _SCRIPT_KEYS)
        if unknown:
            raise ConfigError(
                f"scripts.{rel}: unknown key(s): {', '.join(unknown)}", path=str(path)
            )
        _check_runner(o.get("runner", RUNNER), f"scripts.{rel}", path)
        scripts[str(rel)] = ScriptOverride(
            action=_opt_str(o, "action", path),
            description=_opt_str(o, "description", path),
            exclude=bool(o.get("exclude", False)),
            secret=_strings(o.get("secret"), "secret", path),
            cwd=_opt_str(o, "cwd", path),
        )
    root = path.parent
    return Config(
        path=path,
        sources=sources,
        pack=(root / pack) if pack else None,
        exclude=_strings(data.get("exclude"), "exclude", path),
        metadata=metadata,
        scripts=scripts,
        gitignore=_root_ignores(root),
        functions=_bool(data, "functions", path),
        config_schema=_bool(data, "config-schema", path),
        keep_python2=_bool(data, "keep-python2", path),
        max_size=_megabytes(data, path),
        run_log_size=_megabytes(data, path, "run-log-size"),
        python=_python(data, root, path),
    )


def _python(data: dict[str, Any], root: Path, path: Path) -> Path | None:
    value = _opt_str(data, "python", path)
    if value is None:
        return None
    found = Path(value).expanduser()
    # a bare name ("python3.8") is looked up on PATH when run; a path is the config's
    return found if os.sep not in value and "/" not in value else root / found


def _megabytes(d: dict[str, Any], path: Path, key: str = "max-size") -> int | None:
    value = d.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{key!r} must be a positive number of megabytes", path=str(path))
    return int(value * 2**20)


def _bool(d: dict[str, Any], key: str, path: Path) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{key!r} must be true or false", path=str(path))
    return value


def _gitignore(folder: Path, name: str = ".gitignore") -> tuple[str, ...]:
    try:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ()
    return tuple(s for s in (ln.strip() for ln in lines) if s and not s.startswith("#"))


def _root_ignores(root: Path) -> tuple[str, ...]:
    """The root's ignore lines: a git repository's ``.git/info/exclude`` first (the root
    ``.gitignore``, read after it, wins where both match), then ``.gitignore``."""
    return _gitignore(root / ".git" / "info", "exclude") + _gitignore(root)


def _gitignored(rel: str, root: Path, root_lines: tuple[str, ...]) -> bool:
    """Whether git would ignore the file ``rel`` (POSIX, under ``root``).

    As git does: each folder's ``.gitignore`` speaks for the paths below it, a deeper file
    overrides a shallower one, within one file the last matching line wins and ``!``
    re-includes; a file inside an ignored folder stays ignored. (Hand-written rather than
    the pathspec library: importing that costs ``check``'s fast path about 40 ms.)
    """
    parts = rel.split("/")
    folders: dict[tuple[str, ...], tuple[str, ...]] = {(): root_lines}
    for depth in range(1, len(parts)):
        folders[tuple(parts[:depth])] = _gitignore(root.joinpath(*parts[:depth]))
    # the folders first (an ignored folder is never entered), then the file itself
    return any(
        _ignored_by(parts[:depth], folders, folder=depth < len(parts))
        for depth in range(1, len(parts) + 1)
    )


def _ignored_by(
    parts: list[str], folders: dict[tuple[str, ...], tuple[str, ...]], *, folder: bool
) -> bool:
    ignored = False
    for depth in range(len(parts)):
        below = "/".join(parts[depth:])
        for line in folders[tuple(parts[:depth])]:
            negated = line.startswith("!")
            pattern = line[1:] if negated else line
            if pattern.startswith("\\"):
                pattern = pattern[1:]  # "\#name", "\!name": the character itself
            if pattern.endswith("/") and not folder:
                continue  # "build/" matches a folder (and so what is in it), not a file
            if _match(below, pattern, whole=True):
                ignored = not negated
    return ignored


__all__ = ["Config", "ConfigError", "PackMeta", "ScriptOverride", "find", "parse"]
