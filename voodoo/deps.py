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
from collections.abc import Callable, Iterable
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

#: Import names whose PyPI distribution has another name. Only unambiguous, well-known rows
#: (with ``SAME_NAME``, the curated table; anything else must be installed where voodoo runs
#: to be known, see ``resolve``).
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
    # common ops libraries whose import name is not their distribution's
    "libcloud": "apache-libcloud",
    "novaclient": "python-novaclient",
    "keystoneclient": "python-keystoneclient",
    "glanceclient": "python-glanceclient",
    "neutronclient": "python-neutronclient",
    "cinderclient": "python-cinderclient",
    "swiftclient": "python-swiftclient",
    "heatclient": "python-heatclient",
    "keystoneauth1": "keystoneauth1",
    "openstack": "openstacksdk",
    "elftools": "pyelftools",
    "ovirtsdk4": "ovirt-engine-sdk-python",
    "pyVmomi": "pyvmomi",
    "pyVim": "pyvmomi",
    "winrm": "pywinrm",
    "consul": "python-consul",
    "hpilo": "python-hpilo",
    "pymysql": "PyMySQL",
    "sqlalchemy": "SQLAlchemy",
    "jinja2": "Jinja2",
    "markupsafe": "MarkupSafe",
    "slack_sdk": "slack-sdk",
    "prometheus_client": "prometheus-client",
    "influxdb_client": "influxdb-client",
    "google_auth_oauthlib": "google-auth-oauthlib",
    "mysql": "mysql-connector-python",
    "docopt": "docopt",
    "fire": "fire",
}

#: Common ops libraries installed under their import name (checked: each is the PyPI
#: distribution of that name and provides that top-level module).
SAME_NAME = frozenset(
    [
        "aiohttp",
        "arrow",
        "backoff",
        "bcrypt",
        "boto",
        "boto3",
        "botocore",
        "certifi",
        "chardet",
        "click",
        "colorama",
        "croniter",
        "cryptography",
        "datadog",
        "deepdiff",
        "docker",
        "elasticsearch",
        "fabric",
        "httplib2",
        "httpx",
        "humanize",
        "hvac",
        "idna",
        "invoke",
        "jira",
        "jmespath",
        "jsonschema",
        "kazoo",
        "kubernetes",
        "ldap3",
        "lxml",
        "msgpack",
        "ncclient",
        "netaddr",
        "netifaces",
        "netmiko",
        "ntplib",
        "oauthlib",
        "openpyxl",
        "packaging",
        "pandas",
        "paramiko",
        "passlib",
        "pendulum",
        "pexpect",
        "pika",
        "prettytable",
        "psutil",
        "pyasn1",
        "pydantic",
        "pymongo",
        "pynetbox",
        "pyodbc",
        "pyparsing",
        "pysftp",
        "pysnmp",
        "pytz",
        "redis",
        "requests",
        "retrying",
        "rich",
        "scp",
        "sh",
        "simplejson",
        "six",
        "statsd",
        "tabulate",
        "tenacity",
        "termcolor",
        "textfsm",
        "toml",
        "tomli",
        "tqdm",
        "typer",
        "tzlocal",
        "ujson",
        "urllib3",
        "typing_extensions",
        "xmltodict",
        "zeep",
    ]
)

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
    from voodoo.analyzers._context import iter_imports
    from voodoo.parse import parse_module

    # a Python 2 module: its Python 3 conversion's imports
    module = parse_module(source, str(path))
    names: list[str] = []
    for imported in iter_imports(module):
        if imported.level and not imported.module and imported.name not in (None, "*"):
            names.append(f"{imported.written}{imported.name}")  # from . import a, b
        else:  # import a.b, from a import b, from ..c import d, from . import *
            names.append(imported.written)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What one script needs."""

    local: tuple[Path, ...]  #: local module files to copy along (the script excluded)
    local_names: tuple[str, ...]  #: top-level names that are local (copied or not)
    third_party: tuple[str, ...]  #: PyPI distributions known for its imports, sorted
    notes: tuple[str, ...]  #: what was left out, and why
    #: imports whose distribution is not known: ``(import name, "file:line")``, the file
    #: relative to the source root (the script, or a local module it imports)
    unknown: tuple[tuple[str, str], ...] = ()


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
    tree = source_tree_names(script_path, source_root, walk.imports)
    names = sorted(walk.local_names | tree)
    notes = [*walk.notes, *(f"{n}: {why}" for n, why in skipped(walk.imports, names).items())]
    notes += [
        f"{n}: a module of the source tree, not a distribution: not in requirements.txt"
        for n in sorted(tree - walk.local_names)
    ]
    unknown = tuple(
        (name, _where(walk.origin.get(name, script_path), name, source_root))
        for name in unknown_imports(walk.imports, names)
    )
    return Dependencies(
        local=tuple(sorted(walk.found)),
        local_names=tuple(names),
        third_party=tuple(third_party(walk.imports, names)),
        notes=tuple(notes),
        unknown=unknown,
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
        self.origin: dict[str, Path] = {}  #: top-level name -> the file that imports it

    def run(self, imports: Iterable[str]) -> None:
        pending = [(name, self.script) for name in imports]
        while pending:
            name, importer = pending.pop(0)
            top = name.split(".")[0]
            if not top or top in self.seen:  # "" for relative: its package is copied whole
                continue
            self.seen.add(top)
            self.imports.append(top)
            self.origin[top] = importer
            files = _module_files(self.folder, top)
            if files is None and self.folder.resolve() != self.root:
                # a package at the repository's root, imported from a script in a subfolder
                # (installed with setup.py there): local, never a PyPI requirement
                files = _module_files(self.root, top)
            if files is None:
                continue
            self.local_names.add(top)
            for path in files:
                if self._take(path):
                    pending.extend((n, path) for n in self._imports(path))

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
    ``SKIPPED`` are left out (see ``skipped``); a name whose distribution is not known
    (``resolve``) too (see ``unknown_imports``): never a guess.
    """
    tops = _candidates(imports, local_names)
    names = {r.distribution for r in map(resolve, tops) if r.distribution is not None}
    return sorted(names, key=_canonical)


def unknown_imports(imports: Iterable[str], local_names: Iterable[str]) -> list[str]:
    """Imported third-party names whose distribution is not known (``resolve``), in order."""
    return [top for top in _candidates(imports, local_names) if resolve(top).how == UNKNOWN]


# --- import name -> distribution ----------------------------------------------------------

#: how ``resolve`` knows a name's distribution (or that there is none to install)
STDLIB, LOCAL, CURATED, INSTALLED, SKIPPED_HOW, UNKNOWN = (
    "stdlib",
    "local",
    "curated",
    "installed",
    "skipped",
    "unknown",
)


@dataclass(frozen=True, slots=True)
class Resolved:
    """One top-level import name and the distribution that provides it."""

    name: str
    distribution: str | None  #: None: nothing to install (stdlib, local, skipped, unknown)
    how: str  #: STDLIB, LOCAL, CURATED, INSTALLED, SKIPPED_HOW or UNKNOWN

    def to_dict(self) -> dict[str, str | None]:
        return {"import": self.name, "distribution": self.distribution, "how": self.how}


def resolve(name: str) -> Resolved:
    """The distribution of top-level import ``name`` (not local, not stdlib): from the
    curated table (``DISTRIBUTIONS``, ``SAME_NAME``), else the one distribution installed
    in the environment voodoo runs in that provides it
    (``importlib.metadata.packages_distributions()``), else unknown."""
    if name in SKIPPED:
        return Resolved(name, None, SKIPPED_HOW)
    if name in DISTRIBUTIONS:
        return Resolved(name, DISTRIBUTIONS[name], CURATED)
    if name in SAME_NAME:
        return Resolved(name, name, CURATED)
    providers = installed_distributions().get(name, ())
    if len({_canonical(d) for d in providers}) == 1 and _DISTRIBUTION_NAME.fullmatch(providers[0]):
        return Resolved(name, providers[0], INSTALLED)
    return Resolved(name, None, UNKNOWN)


@functools.cache
def installed_distributions() -> dict[str, tuple[str, ...]]:
    """Top-level import name -> the distributions installed here that provide it."""
    from importlib import metadata

    try:
        found = metadata.packages_distributions()
    except Exception:  # a broken distribution's metadata: nothing is known from here
        return {}
    return {name: tuple(dict.fromkeys(dists)) for name, dists in found.items()}


def mapping(imports: Iterable[str], local_names: Iterable[str]) -> list[Resolved]:
    """Every top-level name imported, once, in order, with how it is resolved (for
    ``voodoo inspect``): standard, local, or through ``resolve``."""
    local = set(local_names)
    out: list[Resolved] = []
    for top in dict.fromkeys(name.split(".")[0] for name in imports):
        if not top:
            continue
        if top in local:
            out.append(Resolved(top, None, LOCAL))
        elif _is_stdlib(top):
            out.append(Resolved(top, None, STDLIB))
        else:
            out.append(resolve(top))
    return out


def source_tree_names(script_path: Path, source_root: Path, imports: Iterable[str]) -> set[str]:
    """Imported top-level names that are modules or packages of the source tree, found in
    the script's folder, any folder above it up to the source root (the root of the git
    repository holding it, when there is one), or ``src/`` there:
    the repository's own code (e.g. a package the scripts import after a ``sys.path``
    tweak), never a distribution to install."""
    root = _repository_root(source_root.resolve())
    folder = script_path.resolve().parent
    folders = [folder, *(p for p in folder.parents if p.is_relative_to(root))]
    folders.append(root / "src")
    found = set()
    for top in dict.fromkeys(name.split(".")[0] for name in imports):
        if not top.isidentifier() or _is_stdlib(top):
            continue
        for place in folders:
            if (place / f"{top}.py").is_file() or (place / top / "__init__.py").is_file():
                found.add(top)
                break
    return found


def _repository_root(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` holding ``.git``, else ``folder``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


_IMPORT_LINE = r"^[ \t]*(?:from\s+{0}(?:\.|\s)|import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*{0}\b)"


def _where(path: Path, name: str, source_root: Path) -> str:
    """``file:line`` of the first import of ``name`` in ``path`` (line 0: not found)."""
    try:
        rel = path.resolve().relative_to(source_root.resolve()).as_posix()
    except ValueError:
        rel = path.name
    rel = "".join(c if c.isprintable() else "?" for c in rel)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"{rel}:0"
    match = re.search(_IMPORT_LINE.format(re.escape(name)), text, re.MULTILINE)
    return f"{rel}:{text.count(chr(10), 0, match.start()) + 1 if match else 0}"


def skipped(imports: Iterable[str], local_names: Iterable[str]) -> dict[str, str]:
    """Imported third-party names left out of requirements, with the reason for each."""
    return {top: SKIPPED[top] for top in _candidates(imports, local_names) if top in SKIPPED}


def requirements_txt(names: Iterable[str], unknown: Iterable[tuple[str, str]] = ()) -> str:
    """requirements.txt text: one distribution a line, sorted, duplicates (any case) once;
    then one comment line per import whose distribution is unknown (``(name, where)``),
    so pip installs what is known and a person sees what to add."""
    unique: dict[str, str] = {}
    for name in names:
        if not _DISTRIBUTION_NAME.fullmatch(name):
            raise ValueError(f"not a distribution name: {name!r}")
        unique.setdefault(_canonical(name), name)
    text = "".join(f"{unique[key]}\n" for key in sorted(unique))
    return text + unknown_comments(unknown)


def unknown_comments(unknown: Iterable[tuple[str, str]]) -> str:
    """``# unknown distribution: NAME (imported at WHERE)`` lines, one per name, sorted."""
    first: dict[str, str] = {}
    for name, where in sorted(unknown):
        first.setdefault(name, where)
    lines = []
    for name, where in first.items():
        safe = "".join(c if c.isprintable() else "?" for c in f"{name} (imported at {where})")
        lines.append(f"# unknown distribution, add it by hand: {safe}\n")
    return "".join(lines)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
