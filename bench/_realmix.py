"""The ``real`` mix of ``bench/generate.py``: a repository shaped like real ops repositories.

What the public repositories of the cold-ingest measurement hold, and the synthetic mix
lacks: a fifth of the files in Python 2, written in Python 2 throughout; bigger scripts
(2 KB to 40 KB); helper packages with ``__init__.py`` and relative and absolute imports,
imported by scripts; tests, ``conftest.py`` and ``setup.py``, which are not scripts;
vendored copies of libraries; nested folders whose files repeat names (``check.py``,
``utils.py``); tools with no arguments at all; typer beside click, docopt and fire.

Scripts are written by the synthetic mix's renderers and padding (``bench._styles``,
``bench._padding``); this module only decides what goes where.
"""

from __future__ import annotations

import posixpath
import random
from collections import Counter
from pathlib import Path

from bench._padding import FUNCTIONS, NOUNS, PY2_FUNCTIONS, padding
from bench._styles import Style
from bench.generate import (
    BROKEN_SHARE,
    VERBS,
    ModuleInfo,
    RepoStats,
    Role,
    ScriptInfo,
    _allocate,
    _defined_names,
    _py2,
    _readme,
    _script,
    _spec,
    _unique_stem,
    _write,
    action_name,
)

MIN_SIZE = 2 * 1024
MAX_SIZE = 40 * 1024
PY2_SHARE = 0.20

#: Share of each style among the Python 3 scripts that are not broken.
STYLE_WEIGHTS: dict[Style, float] = {
    Style.ARGPARSE: 0.44,
    Style.CLICK: 0.09,
    Style.SYS_ARGV: 0.09,
    Style.NO_ARGS: 0.08,
    Style.OPTPARSE: 0.06,
    Style.TYPER: 0.05,
    Style.DOCOPT: 0.05,
    Style.GETOPT: 0.04,
    Style.FIRE: 0.05,
    Style.FUNCTIONS: 0.05,
}
#: The same among the Python 2 scripts: optparse, getopt and sys.argv are common there.
PY2_WEIGHTS: dict[Style, float] = {
    Style.ARGPARSE: 0.28,
    Style.OPTPARSE: 0.28,
    Style.SYS_ARGV: 0.20,
    Style.GETOPT: 0.14,
    Style.NO_ARGS: 0.10,
}

#: Nested folders; several leaf names repeat (``cron``, ``tools``, ``checks``).
FOLDERS = (
    "bin",
    "deploy",
    "deploy/k8s",
    "deploy/tools",
    "db/postgres",
    "db/mysql",
    "db/redis",
    "network/dns",
    "network/lb",
    "monitoring/checks",
    "monitoring/nagios",
    "storage/backup",
    "storage/s3",
    "teams/payments/cron",
    "teams/search/cron",
    "teams/search/tools",
)
LEGACY_FOLDERS = ("legacy/cron/daily", "legacy/cron/hourly", "legacy/tools", "legacy/checks")
#: Names many folders use for their own script: the same file name, different folders.
COMMON_STEMS = (
    "check",
    "status",
    "cleanup",
    "backup",
    "restart",
    "report",
    "sync",
    "rotate_logs",
    "run",
    "main",
)
COMMON_SHARE = 0.3
#: Share of Python 2 scripts placed under legacy/.
PY2_IN_LEGACY = 0.7

#: Helper packages: (parent folder, name); the first always, one more per 200 scripts.
PACKAGES = (("", "opslib"), ("teams/search", "searchlib"), ("db", "dbtools"), ("", "netkit"))
#: Python 2 helper modules the legacy scripts import (through a sys.path insert).
LEGACY_LIB = ("legacy/lib/oldops.py", "legacy/lib/utils.py")

LICENSE = (
    "# Vendored copy: do not edit here, update upstream and copy again.\n"
    "# Copyright (c) 2012-2016 the {lib} authors. Licensed under the MIT License.\n"
)


def _module_text(
    relpath: str,
    rng: random.Random,
    imports: list[str],
    *,
    low: int = 1500,
    high: int = 7000,
    py2: bool = False,
    doc: str | None = None,
) -> str:
    name = Path(relpath).stem
    doc = doc or (
        f"Shared helpers: {name}.\n\nNo command line of its own: scripts import what "
        "they need, so logging and\nthe usual conventions look the same everywhere.\n"
    )
    head = (
        f'"""{doc}"""\nimport json\nimport logging\nimport os\nimport re\nimport sys\nimport time\n'
    )
    head += "".join(f"{line}\n" for line in imports)
    head += f'\nlog = logging.getLogger("{name}")\n'
    templates = FUNCTIONS + PY2_FUNCTIONS if py2 else FUNCTIONS
    text = head + "\n" + "\n".join(padding(rng, rng.randint(low, high), set(), templates))
    return _py2(text) if py2 else text


class _Tree:
    """The files being written, with what each one is."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.modules: list[ModuleInfo] = []

    def module(self, relpath: str, text: str, role: Role, python2: bool = False) -> None:
        assert relpath not in self.files, relpath
        self.files[relpath] = text
        self.modules.append(ModuleInfo(relpath, role, python2))

    def names(self, relpath: str) -> list[str]:
        return _defined_names(self.files[relpath])


def _pick(rng: random.Random, names: list[str], k: int = 2) -> list[str]:
    return rng.sample(names, min(k, len(names)))


def _package(tree: _Tree, parent: str, pkg: str, rng: random.Random) -> list[tuple[str, str]]:
    """A helper package; (import statement's module, relpath) pairs scripts can import."""
    base = posixpath.join(parent, pkg) if parent else pkg

    def rel(*parts: str) -> str:
        return posixpath.join(base, *parts)

    tree.module(rel("log.py"), _module_text(rel("log.py"), rng, []), Role.PACKAGE)
    tree.module(rel("utils.py"), _module_text(rel("utils.py"), rng, []), Role.PACKAGE)
    log_names, util_names = tree.names(rel("log.py")), tree.names(rel("utils.py"))
    tree.module(
        rel("config.py"),
        _module_text(
            rel("config.py"),
            rng,
            [
                f"from .log import {', '.join(_pick(rng, log_names))}",  # relative
                "from . import utils",
            ],
        ),
        Role.PACKAGE,
    )
    config_names = tree.names(rel("config.py"))
    tree.module(
        rel("http.py"),
        _module_text(
            rel("http.py"),
            rng,
            [
                f"from {pkg}.config import {', '.join(_pick(rng, config_names))}",  # absolute
                f"import {pkg}.utils as {pkg}_utils",
            ],
        ),
        Role.PACKAGE,
    )
    http_names = tree.names(rel("http.py"))
    tree.module(
        rel("cloud", "utils.py"), _module_text(rel("cloud", "utils.py"), rng, []), Role.PACKAGE
    )
    tree.module(
        rel("cloud", "aws.py"),
        _module_text(
            rel("cloud", "aws.py"),
            rng,
            [
                f"from ..http import {', '.join(_pick(rng, http_names))}",
                "from . import utils",
                f"from {pkg} import config",
            ],
            high=12000,
        ),
        Role.PACKAGE,
    )
    aws_names = tree.names(rel("cloud", "aws.py"))
    tree.module(
        rel("cloud", "__init__.py"),
        f'"""Cloud provider helpers."""\nfrom .aws import {_pick(rng, aws_names, 1)[0]}\n'
        '\n__all__ = ["aws", "utils"]\n',
        Role.PACKAGE,
    )
    exported = _pick(rng, log_names, 1) + _pick(rng, util_names, 1)
    tree.module(
        rel("__init__.py"),
        f'"""{pkg}: the code the ops scripts share."""\n'
        f"from .log import {exported[0]}\nfrom .utils import {exported[1]}\n\n"
        '__version__ = "3.2.1"\n'
        f"__all__ = {exported!r}\n",
        Role.PACKAGE,
    )
    return [
        (f"{pkg}.cloud", rel("cloud", "aws.py")),
        (f"{pkg}", rel("http.py")),
        (f"{pkg}", rel("config.py")),
        (f"{pkg}.utils", rel("utils.py")),
    ]


def _test_file(
    rng: random.Random, target: str, module: str, names: list[str], fixtures: bool, up: str
) -> str:
    """pytest tests of one module: not a script, though it imports pytest and sys."""
    dotted = module.rsplit(".", 1)
    imp = f"from {dotted[0]} import {dotted[1]}" if len(dotted) == 2 else f"import {module}"
    alias = dotted[-1]
    lines = [
        f'"""Tests for {module} ({target})."""',
        "import json",
        "import os",
        "import sys",
        "",
        "import pytest",
        "",
        f'sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "{up}"))',
        "",
        f"{imp}  # noqa: E402",
        "",
    ]
    if fixtures:
        lines += [
            "",
            "@pytest.fixture",
            "def sample_rows():",
            '    return [{"name": "a", "status": "ok"}, {"name": "b", "status": "failed"}]',
            "",
        ]
    for name in names:
        lines += [
            "",
            f"def test_{name}_is_exported():",
            f"    assert callable({alias}.{name})",
            "",
            "",
            '@pytest.mark.parametrize("value", ["", "a", "a,b", "  x  "])',
            f"def test_{name}_accepts_text(value):",
            "    try:",
            f"        {alias}.{name}(value)",
            "    except (TypeError, ValueError, AttributeError, KeyError):",
            '        pytest.skip("not a text helper")',
            "",
        ]
    if rng.random() < 0.5:
        lines += [
            "",
            "def test_module_has_a_logger():",
            f'    assert {alias}.log.name.endswith("{alias}") or {alias}.log.name',
            "",
        ]
    return "\n".join(lines) + "\n"


def _conftest(rng: random.Random, pkg: str, top: bool) -> str:
    """Fixtures; the top one adds an option: ``parser.addoption``, not a command line."""
    text = (
        f'"""Shared fixtures for the {pkg} tests."""\nimport os\nimport sys\n\n'
        "import pytest\n\n"
        "ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"
        "sys.path.insert(0, ROOT)\n\n\n"
        "@pytest.fixture\n"
        "def fake_env(monkeypatch):\n"
        f'    monkeypatch.setenv("OPS_ENV", "{rng.choice(["test", "ci"])}")\n'
        '    monkeypatch.setenv("OPS_API_TOKEN", "not-a-token")\n'
        "    return dict(os.environ)\n"
    )
    if not top:
        return text
    return text + (
        "\n\ndef pytest_addoption(parser):\n"
        '    parser.addoption("--run-slow", action="store_true", default=False,\n'
        '                     help="also run the tests that talk to staging")\n\n\n'
        "def pytest_collection_modifyitems(config, items):\n"
        '    if config.getoption("--run-slow"):\n'
        "        return\n"
        '    skip = pytest.mark.skip(reason="needs --run-slow")\n'
        "    for item in items:\n"
        '        if "slow" in item.keywords:\n'
        "            item.add_marker(skip)\n"
    )


def _setup_py(packages: list[str], scripts: list[str], distutils: bool) -> str:
    if distutils:
        return (
            "#!/usr/bin/env python\nfrom distutils.core import setup\n\n"
            'setup(name="legacy-ops", version="0.9",\n'
            f"      scripts={scripts!r})\n"
        )
    return (
        "#!/usr/bin/env python\nfrom setuptools import find_packages, setup\n\n"
        "setup(\n"
        '    name="ops-scripts",\n'
        '    version="3.2.1",\n'
        '    packages=find_packages(exclude=["tests", "tests.*"]),\n'
        '    install_requires=["click>=6", "typer", "docopt", "fire", "requests"],\n'
        f"    scripts={scripts!r},\n"
        '    entry_points={"console_scripts": ["ops-check = '
        f'{packages[0]}.utils:main"]}},\n'
        ")\n"
    )


def _vendored(rng: random.Random) -> dict[str, str]:
    """One copy of two libraries: a package, and a single module with a self-test."""
    lib = "backoff_lite"
    files = {
        f"{lib}/__init__.py": LICENSE.format(lib=lib)
        + (
            '"""Retry with exponential backoff (vendored)."""\n'
            "from ._common import *  # noqa: F401,F403\n"
            "from .compat import string_types, text_type\n\n"
            '__version__ = "1.4.3"\n'
        ),
        f"{lib}/compat.py": LICENSE.format(lib=lib)
        + (
            "import sys\n\nPY2 = sys.version_info[0] == 2\n\nif PY2:\n"
            "    string_types = (basestring,)  # noqa: F821\n"
            "    text_type = unicode  # noqa: F821\n"
            "    from itertools import izip as zip_\nelse:\n"
            "    string_types = (str,)\n    text_type = str\n    zip_ = zip\n"
        ),
    }
    for name in ("_common.py", "_sync.py"):
        rel = f"{lib}/{name}"
        files[rel] = LICENSE.format(lib=lib) + _module_text(
            rel,
            rng,
            ["from .compat import string_types"],
            low=6000,
            high=20000,
            doc="Vendored library code.\n",
        )
    single = "texttable_lite.py"
    files[single] = (
        LICENSE.format(lib="texttable")
        + _module_text(
            single, rng, [], low=12000, high=30000, doc="Plain-text tables (vendored).\n"
        )
        + (
            "\n\ndef _selftest():\n"
            '    log.info("self-test: %d helpers", len([n for n in globals() if not '
            'n.startswith("_")]))\n'
            "    return 0\n\n\n"
            'if __name__ == "__main__":\n    sys.exit(_selftest())\n'
        )
    )
    return files


def _kinds(n: int, rng: random.Random) -> list[tuple[Style, bool, bool]]:
    broken = round(n * BROKEN_SHARE) or (1 if n >= 10 else 0)
    py2 = round(n * PY2_SHARE) or (1 if n >= 5 else 0)
    plain = n - broken - py2
    kinds = [(s, False, False) for s in _allocate(plain, STYLE_WEIGHTS)]
    kinds += [(s, True, False) for s in _allocate(py2, PY2_WEIGHTS)]
    kinds += [
        (rng.choice([Style.ARGPARSE, Style.CLICK, Style.OPTPARSE]), False, True)
        for _ in range(broken)
    ]
    rng.shuffle(kinds)
    return kinds


def _sys_path(folder: str, target: str) -> str:
    up = posixpath.relpath(target or ".", folder or ".")
    return f'sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "{up}"))'


def generate_real(root: Path, n: int, seed: int) -> RepoStats:
    """The ``real`` mix: ``n`` scripts and the files around them (see the module doc)."""
    rng = random.Random(seed)
    kinds = _kinds(n, rng)
    weights = [rng.uniform(0.5, 3.0) for _ in FOLDERS]
    tree = _Tree()

    packages = PACKAGES[: 1 + n // 200]
    importable: list[tuple[str, str, str]] = []  # (parent, module to import from, relpath)
    for parent, pkg in packages:
        importable += [(parent, mod, rel) for mod, rel in _package(tree, parent, pkg, rng)]
    for rel in LEGACY_LIB:
        tree.module(rel, _module_text(rel, rng, [], py2=True), Role.HELPER, python2=True)
    utils_of: dict[str, str] = {}
    for folder in FOLDERS + LEGACY_FOLDERS:
        if rng.random() < 0.5:  # many folders carry their own utils.py
            rel = f"{folder}/utils.py"
            py2 = folder.startswith("legacy/")
            tree.module(rel, _module_text(rel, rng, [], py2=py2), Role.HELPER, python2=py2)
            utils_of[folder] = rel

    infos: list[ScriptInfo] = []
    taken: set[str] = set()  # unique action names
    places: set[str] = set()  # relpaths without extension
    for style, py2, broken in kinds:
        if py2 and rng.random() < PY2_IN_LEGACY:
            folder = rng.choice(LEGACY_FOLDERS)
        else:
            folder = rng.choices(
                FOLDERS + LEGACY_FOLDERS, weights=weights + [1.0] * len(LEGACY_FOLDERS)
            )[0]
        verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
        common = rng.choice(COMMON_STEMS)
        if rng.random() < COMMON_SHARE and f"{folder}/{common}" not in places:
            stem = common
        else:
            stem = _unique_stem(rng, verb, noun, taken)
        places.add(f"{folder}/{stem}")
        spec = _spec(rng, stem, style, py2, noun, verb)
        helpers: list[str] = []
        roll = rng.random()
        if folder in utils_of and roll < 0.25 and (py2 or not folder.startswith("legacy/")):
            rel = utils_of[folder]
            names = _pick(rng, tree.names(rel))
            spec.helper_imports.append(f"from utils import {', '.join(names)}")
            spec.helper_names.extend(names)
            helpers.append(rel)
        elif roll < 0.6 and py2:
            rel = rng.choice(LEGACY_LIB)
            spec.helper_imports.append(_sys_path(folder, posixpath.dirname(rel)))
            names = _pick(rng, tree.names(rel))
            spec.helper_imports.append(f"from {Path(rel).stem} import {', '.join(names)}")
            spec.helper_names.extend(names)
            helpers.append(rel)
        elif roll < 0.6:
            parent, mod, rel = rng.choice(importable)
            spec.helper_imports.append(_sys_path(folder, parent))
            leaf = Path(rel).stem
            if mod.endswith(".utils"):  # import a.b as c
                alias = f"{mod.split('.')[0]}_utils"
                spec.helper_imports.append(f"import {mod} as {alias}")
                spec.helper_names.append(alias)
            else:
                spec.helper_imports.append(f"from {mod} import {leaf}")
                spec.helper_names.append(leaf)
            helpers.append(rel)
        text = _script(
            spec,
            rng,
            broken,
            low=MIN_SIZE + 600,
            high=MAX_SIZE - 3072,
            median=7000,
            sigma=0.9,
            templates=FUNCTIONS + PY2_FUNCTIONS if py2 else FUNCTIONS,
        )
        no_ext = (
            not broken
            and not py2
            and style in (Style.ARGPARSE, Style.SYS_ARGV)
            and rng.random() < 0.03
        )
        relpath = f"{folder}/{stem}" if no_ext else f"{folder}/{stem}.py"
        tree.files[relpath] = text
        literal = style is Style.ARGPARSE and not broken and not spec.doc_as_description
        infos.append(
            ScriptInfo(
                relpath=relpath,
                style=style,
                python2=py2,
                broken=broken,
                subcommands=tuple(s.name for s in spec.subs),
                helpers=tuple(helpers),
                action=action_name(stem),
                description=spec.description if literal else None,
                size=len(text.encode()),
            )
        )

    # Tests: tests/ at the top, and one tests/ folder inside each helper package.
    tree.module("tests/conftest.py", _conftest(rng, "ops-scripts", True), Role.TEST)
    count = max(2, n // 12)
    used: Counter[str] = Counter()
    for i in range(count):
        parent, mod, rel = importable[i % len(importable)]
        module = mod if mod.endswith(".utils") else f"{mod}.{Path(rel).stem}"
        names = _pick(rng, tree.names(rel), rng.randint(2, 6))
        in_package = i % 3 == 2
        folder = (
            posixpath.join(
                posixpath.dirname(posixpath.dirname(rel))
                if "/cloud/" in rel
                else posixpath.dirname(rel),
                "tests",
            )
            if in_package
            else "tests"
        )
        stem = f"test_{Path(rel).stem}"
        used[f"{folder}/{stem}"] += 1
        k = used[f"{folder}/{stem}"]
        test_rel = f"{folder}/{stem}{'' if k == 1 else f'_{k}'}.py"
        if in_package and f"{folder}/conftest.py" not in tree.files:
            tree.module(f"{folder}/__init__.py", "", Role.TEST)
            conftest = _conftest(rng, module.split(".")[0], False)
            tree.module(f"{folder}/conftest.py", conftest, Role.TEST)
        up = posixpath.relpath(parent or ".", folder)
        tree.module(
            test_rel, _test_file(rng, rel, module, names, rng.random() < 0.5, up), Role.TEST
        )

    listed = sorted(i.relpath for i in infos if not i.broken and not i.python2)[:5]
    tree.module("setup.py", _setup_py([p for _, p in packages], listed, False), Role.SETUP)
    if n >= 50:
        old = sorted(i.relpath for i in infos if i.python2)[:3]
        tree.module("legacy/setup.py", _setup_py([], old, True), Role.SETUP)

    vendored = _vendored(rng)
    homes = ["vendor"] + [
        f"{rng.choice(FOLDERS + LEGACY_FOLDERS)}/third_party" for _ in range(1 + n // 250)
    ]
    for home in dict.fromkeys(homes):  # byte-identical copies of the same libraries
        for rel, text in vendored.items():
            tree.module(f"{home}/{rel}", text, Role.VENDORED)

    styles = Counter(str(i.style) for i in infos)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(styles.items()))
    other = {
        "README.md": _readme(f"{n} scripts ({summary})."),
        "requirements.txt": "click>=6\ntyper\ndocopt\nfire\nrequests\n",
        "inventory/hosts.ini": "[web]\nweb-01\nweb-02\n\n[db]\ndb-01 # primary\ndb-02\n",
    }
    tree.files.update(other)
    total = _write(root, tree.files)
    return RepoStats(
        root=root,
        seed=seed,
        scripts=tuple(infos),
        modules=tuple(sorted(tree.modules, key=lambda m: m.relpath)),
        other_files=tuple(sorted(other)),
        total_bytes=total,
        mix="real",
    )
