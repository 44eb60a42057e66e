"""The pack maintainer's address from git's configuration, read as files (git never runs).

``user_email(folder)`` answers what ``git config user.email`` would in ``folder``: the
repository's own config (a worktree's ``config.worktree`` first), then the user's global
config, then the system config, honouring ``GIT_CONFIG_GLOBAL``, ``GIT_CONFIG_SYSTEM`` and
``GIT_CONFIG_NOSYSTEM``. Nothing is executed: no ``git`` process, so no hook, fsmonitor or
alias of a repository can run. ``include``/``includeIf`` directives are not followed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["config_files", "user_email"]

_SECTION = re.compile(r'^\[\s*([A-Za-z0-9.-]+)(?:\s+"(?:[^"\\]|\\.)*")?\s*\]\s*(.*)$')
_ENTRY = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")
_FALSE = {"", "0", "false", "no", "off"}


def user_email(folder: Path) -> str | None:
    """``user.email`` for a repository containing ``folder`` (or only the user's and the
    system's config when it is in none); None when unset or empty."""
    for path in config_files(folder):
        value = _read_value(path, "user", "email")
        if value:
            return value
    return None


def config_files(folder: Path) -> list[Path]:
    """git's config files for ``folder``, the one that wins first."""
    files: list[Path] = []
    gitdir = _git_dir(folder)
    if gitdir is not None:
        common = _common_dir(gitdir)
        files += [gitdir / "config.worktree", common / "config"]
    env = os.environ
    if env.get("GIT_CONFIG_GLOBAL"):
        files.append(Path(env["GIT_CONFIG_GLOBAL"]))
    else:
        home = Path(env.get("HOME") or Path.home())
        xdg = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        files += [home / ".gitconfig", xdg / "git" / "config"]
    if env.get("GIT_CONFIG_NOSYSTEM", "").strip().lower() in _FALSE:
        files.append(Path(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"))
    return files


def _git_dir(folder: Path) -> Path | None:
    """The ``.git`` folder of the repository holding ``folder`` (a worktree's own one)."""
    for candidate in (folder.resolve(), *folder.resolve().parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
            match = re.match(r"gitdir:\s*(.+)", text.strip())
            return (candidate / match.group(1).strip()).resolve() if match else None
    return None


def _common_dir(gitdir: Path) -> Path:
    try:
        text = (gitdir / "commondir").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return gitdir
    return (gitdir / text).resolve() if text else gitdir


def _read_value(path: Path, section: str, key: str) -> str | None:
    """The last value of ``section.key`` in one config file (git: the last one wins)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None
    current = ""
    found = None
    for raw in text.splitlines():
        line = raw.strip()
        header = _SECTION.match(line)
        if header is not None:
            current = header.group(1).lower()
            line = header.group(2).strip()  # "[user] email = x" is allowed
        if current != section or not line or line[0] in "#;":
            continue
        entry = _ENTRY.match(line)
        if entry is not None and entry.group(1).lower() == key:
            found = _value(entry.group(2) or "")
    return found


def _value(text: str) -> str:
    """A config value: quotes removed, escapes undone, an unquoted ``#``/``;`` comment cut."""
    out: list[str] = []
    quoted = False
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(escaped, escaped))
        elif char == '"':
            quoted = not quoted
        elif char in "#;" and not quoted:
            break
        else:
            out.append(char)
    return "".join(out).strip()
