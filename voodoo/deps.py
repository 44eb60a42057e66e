"""What a script needs besides itself: local modules to copy, distributions to install.

Static only: files are parsed with LibCST, never imported. Local modules are resolved the
way Python resolves them when it runs the script: the script's folder comes first on
``sys.path``, a regular package (``name/__init__.py``) beats a module (``name.py``), and a
plain folder of Python files is a namespace package.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from voodoo._paths import read_regular
from voodoo.errors import ParseError

#: A module's imported names: absolute dotted names, relative ones with their leading dots.
ImportsOf = Callable[[Path], Iterable[str]]

#: Already imported when Python starts a script, so a local file of that name is never used.
_NEVER_SHADOWED = frozenset(sys.builtin_module_names) | {
    "_collections_abc",
    "_sitebuiltins",
    "abc",
    "codecs",
    "encodings",
    "genericpath",
    "io",
    "os",
    "posixpath",
    "site",
    "stat",
}

#: Python 2 standard library modules that Python 3 renamed or removed: never third-party.
PY2_STDLIB = frozenset(
    [
        "BaseHTTPServer",
        "Bastion",
        "CGIHTTPServer",
        "Canvas",
        "ConfigParser",
        "Cookie",
        "Dialog",
        "DocXMLRPCServer",
        "FileDialog",
        "FixTk",
        "HTMLParser",
        "MimeWriter",
        "Queue",
        "ScrolledText",
        "SimpleDialog",
        "SimpleHTTPServer",
        "SimpleXMLRPCServer",
        "SocketServer",
        "StringIO",
        "Tix",
        "Tkconstants",
        "Tkdnd",
        "Tkinter",
        "UserDict",
        "UserList",
        "UserString",
        "__builtin__",
        "_winreg",
        "anydbm",
        "audiodev",
        "binhex",
        "bsddb",
        "cPickle",
        "cStringIO",
        "commands",
        "compiler",
        "cookielib",
        "copy_reg",
        "dbhash",
        "dircache",
        "dl",
        "dumbdbm",
        "dummy_thread",
        "dummy_threading",
        "exceptions",
        "formatter",
        "fpformat",
        "future_builtins",
        "gdbm",
        "hotshot",
        "htmlentitydefs",
        "htmllib",
        "httplib",
        "ihooks",
        "imageop",
        "imputil",
        "macpath",
        "markupbase",
        "md5",
        "mhlib",
        "mimetools",
        "mimify",
        "multifile",
        "mutex",
        "new",
        "parser",
        "popen2",
        "posixfile",
        "repr",
        "rexec",
        "rfc822",
        "robotparser",
        "sets",
        "sgmllib",
        "sha",
        "sre",
        "statvfs",
        "stringold",
        "strop",
        "sunaudio",
        "symbol",
        "thread",
        "tkColorChooser",
        "tkCommonDialog",
        "tkFileDialog",
        "tkFont",
        "tkMessageBox",
        "tkSimpleDialog",
        "toaiff",
        "ttk",
        "urllib2",
        "urlparse",
        "user",
        "whichdb",
        "xmllib",
        "xmlrpclib",
    ]
)

#: Removed from the standard library in 3.12/3.13, listed so the answer does not depend on
#: the Python that runs voodoo.
REMOVED_STDLIB = frozenset(
    [
        "aifc",
        "asynchat",
        "asyncore",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "distutils",
        "imghdr",
        "imp",
        "lib2to3",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "smtpd",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
    ]
)

#: Import names whose PyPI distribution has another name. Only unambiguous, well-known rows:
#: anything else is assumed to be installed under its import name.
DISTRIBUTIONS: dict[str, str] = {
    "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex",
    "MySQLdb": "mysqlclient",
    "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow",
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "bson": "pymongo",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "dns": "dnspython",
    "dotenv": "python-dotenv",
    "git": "GitPython",
    "github": "PyGithub",
    "gitlab": "python-gitlab",
    "googleapiclient": "google-api-python-client",
    "gridfs": "pymongo",
    "jenkins": "python-jenkins",
    "jwt": "PyJWT",
    "kafka": "kafka-python",
    "ldap": "python-ldap",
    "libvirt": "libvirt-python",
    "magic": "python-magic",
    "memcache": "python-memcached",
    "nacl": "PyNaCl",
    "nmap": "python-nmap",
    "pkg_resources": "setuptools",
    "psycopg2": "psycopg2",
    "serial": "pyserial",
    "sklearn": "scikit-learn",
    "socks": "PySocks",
    "usb": "pyusb",
    "websocket": "websocket-client",
    "yaml": "PyYAML",
    "zmq": "pyzmq",
}

#: Top-level import names left out of requirements.txt, and why.
SKIPPED: dict[str, str] = {
    **dict.fromkeys(
        ("azure", "backports", "google", "zope"),
        "a namespace shared by many distributions; add the one the script needs by hand",
    ),
    "slack": "ambiguous (slackclient 2.x, or an unrelated 'slack' package); add it by hand",
    **dict.fromkeys(
        ("apt", "apt_pkg", "dbus", "dnf", "gi", "rpm", "selinux", "yum"),
        "comes from the operating system's packages, not from PyPI",
    ),
    "st2common": "provided by StackStorm itself",
}

_DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def imports_in(path: Path) -> list[str]:
    """The modules a Python file imports, in order, once each (ParseError if unreadable).

    ``import a.b`` gives ``a.b``; ``from a import b`` gives ``a``; relative imports keep
    their dots: ``from . import b`` gives ``.b``, ``from ..c import d`` gives ``..c``.
    Imports anywhere count (inside functions, ``try`` blocks, ``if`` branches). A Python 2
    module's imports are its Python 3 conversion's (``urllib2`` -> ``urllib.request``).
    """
    try:
        source = read_regular(path)
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror}", path=str(path)) from exc
    return list(_imports_of(source, str(path)))


@functools.lru_cache(maxsize=256)  # a helper module many scripts import is parsed once
def _imports_of(source: bytes, path: str) -> tuple[str, ...]:
    # Imported here: an ingest that finds every script unchanged never loads libcst.
    import libcst as cst

    from voodoo.analyzers._context import dotted_name, iter_statements
    from voodoo.parse import parse_module

    # a Python 2 module: its Python 3 conversion's imports
    module = parse_module(source, str(path))

    def _name(node: cst.CSTNode) -> str:
        return dotted_name(node) or ""

    names: list[str] = []
    for statement in iter_statements(module.body):  # imports are always statements
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for node in statement.body:
            if isinstance(node, cst.Import):
                names.extend(_name(alias.name) for alias in node.names)
            elif isinstance(node, cst.ImportFrom):
                dots = "." * len(node.relative)
                module_name = _name(node.module) if node.module is not None else ""
                if module_name or not dots:
                    names.append(dots + module_name)
                elif isinstance(node.names, Sequence):  # from . import a, b
                    names.extend(dots + _name(alias.name) for alias in node.names)
                else:  # from . import *
                    names.append(dots)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What one script needs."""

    local: tuple[Path, ...]  #: local module files to copy along (the script excluded)
    local_names: tuple[str, ...]  #: top-level names that are local (copied or not)
    third_party: tuple[str, ...]  #: PyPI distributions, sorted
    notes: tuple[str, ...]  #: what was left out, and why


def discover(
    script_path: Path,
    imports: Iterable[str],
    source_root: Path,
    *,
    imports_of: ImportsOf = imports_in,
) -> Dependencies:
    """Local modules (followed through their own imports) and third-party distributions."""
    walk = _Walk(script_path, source_root, imports_of)
    walk.run(imports)
    names = sorted(walk.local_names)
    notes = [*walk.notes, *(f"{n}: {why}" for n, why in skipped(walk.imports, names).items())]
    return Dependencies(
        local=tuple(sorted(walk.found)),
        local_names=tuple(names),
        third_party=tuple(third_party(walk.imports, names)),
        notes=tuple(notes),
    )


class _Walk:
    def __init__(self, script_path: Path, source_root: Path, imports_of: ImportsOf) -> None:
        self.folder = script_path.parent
        self.script = script_path.resolve()
        self.root = source_root.resolve()
        self.imports_of = imports_of
        self.found: set[Path] = set()
        self.local_names: set[str] = set()
        self.imports: list[str] = []  #: every absolute top-level name met on the way
        self.notes: list[str] = []
        self.seen: set[str] = set()

    def run(self, imports: Iterable[str]) -> None:
        pending = list(imports)
        while pending:
            name = pending.pop(0)
            top = name.split(".")[0]
            if not top or top in self.seen:  # "" for relative: its package is copied whole
                continue
            self.seen.add(top)
            self.imports.append(top)
            files = _module_files(self.folder, top)
            if files is None:
                continue
            self.local_names.add(top)
            for path in files:
                if self._take(path):
                    pending.extend(self._imports(path))

    def _take(self, path: Path) -> bool:
        real = path.resolve()
        if real == self.script or path in self.found:
            return False
        if not real.is_relative_to(self.root):
            self.notes.append(f"{path}: outside the source root, not copied")
            return False
        self.found.add(path)
        return True

    def _imports(self, path: Path) -> list[str]:
        try:
            return list(self.imports_of(path))
        except ParseError as exc:
            self.notes.append(f"{exc}; its own imports are not followed")
            return []


def _module_files(folder: Path, name: str) -> list[Path] | None:
    """The files Python would load for top-level ``name`` from ``folder``; None: not local."""
    if not name.isidentifier() or name in _NEVER_SHADOWED:
        return None
    package = folder / name
    if (package / "__init__.py").is_file():
        return _package_files(package)
    module = folder / f"{name}.py"
    if module.is_file():
        return [module]
    if package.is_dir() and not _is_stdlib(name):  # a namespace package
        return _package_files(package) or None
    return None


def _package_files(package: Path) -> list[Path]:
    files: list[Path] = []
    for folder, subfolders, names in os.walk(package):  # symlinked folders are not entered
        subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "__pycache__")))
        files.extend(Path(folder, n) for n in sorted(names) if n.endswith(".py"))
    return files


def _is_stdlib(name: str) -> bool:
    return (
        name in sys.stdlib_module_names
        or name in PY2_STDLIB
        or name in REMOVED_STDLIB
        or name == "__future__"
    )


def _candidates(imports: Iterable[str], local_names: Iterable[str]) -> list[str]:
    local = set(local_names)
    tops = (name.split(".")[0] for name in imports)
    return [top for top in dict.fromkeys(tops) if top and top not in local and not _is_stdlib(top)]


def third_party(imports: Iterable[str], local_names: Iterable[str]) -> list[str]:
    """PyPI distributions for the imported names that are neither stdlib nor local, sorted.

    Python 2 standard modules (``urllib2``, ``ConfigParser``...) count as standard; names in
    ``SKIPPED`` are left out (see ``skipped``); others map through ``DISTRIBUTIONS``.
    """
    tops = _candidates(imports, local_names)
    names = {DISTRIBUTIONS.get(top, top) for top in tops if top not in SKIPPED}
    return sorted(names, key=_canonical)


def skipped(imports: Iterable[str], local_names: Iterable[str]) -> dict[str, str]:
    """Imported third-party names left out of requirements, with the reason for each."""
    return {top: SKIPPED[top] for top in _candidates(imports, local_names) if top in SKIPPED}


def is_distribution_name(name: str) -> bool:
    """True when ``name`` can be a PyPI distribution (a line of requirements.txt)."""
    return _DISTRIBUTION_NAME.fullmatch(name) is not None


def requirements_txt(names: Iterable[str]) -> str:
    """requirements.txt text: one distribution a line, sorted, duplicates (any case) once."""
    unique: dict[str, str] = {}
    for name in names:
        if not _DISTRIBUTION_NAME.fullmatch(name):
            raise ValueError(f"not a distribution name: {name!r}")
        unique.setdefault(_canonical(name), name)
    return "".join(f"{unique[key]}\n" for key in sorted(unique))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
