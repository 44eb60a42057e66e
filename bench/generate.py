"""Wiring repositories of legacy ops scripts, reproducible from a seed, in two mixes.

``synthetic`` (the default) follows what ops repositories look like after ten years:
mostly argparse, then click, optparse, raw ``sys.argv``, getopt, docopt, fire and plain
functions; some Python 2 scripts with print statements; sub-commands in some; helper
modules that scripts import (beside them, or from ``lib/`` through a ``sys.path`` insert);
sizes from 1 KB to 30 KB, padded with the kind of utility functions such scripts carry;
about 1% broken files.

``real`` is shaped like the public repositories the cold-ingest issue measured: about 20%
Python 2 (optparse, getopt and ``sys.argv`` common there, and Python 2 idioms throughout,
not only in the command line); scripts from 2 KB to 40 KB; helper packages (with
``__init__.py``, relative and absolute imports) that scripts import; tests
(``tests/test_*.py``, ``conftest.py``) and ``setup.py`` that are not scripts; vendored
copies of libraries (``vendor/``, ``third_party/``); nested folders with repeated names
(many ``check.py`` and ``utils.py``); tools with no arguments, whose ``__main__`` guard
just runs them; typer beside click, docopt and fire.

    stats = generate_repo(Path("repo"), n=1000, seed=1)               # synthetic
    stats = generate_repo(Path("repo"), n=1000, seed=1, mix="real")

The same ``(n, seed, mix)`` always gives a byte-identical tree.
"""

from __future__ import annotations

import enum
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench._padding import FUNCTIONS, NOUNS, padding
from bench._styles import OPTIONS, PY2_STYLES, RENDERERS, SUBCOMMANDS, Opt, Spec, Style, Sub

MIN_SIZE = 1024
MAX_SIZE = 30 * 1024

#: Share of each style among the scripts that are neither Python 2 nor broken.
STYLE_WEIGHTS: dict[Style, float] = {
    Style.ARGPARSE: 0.50,
    Style.CLICK: 0.13,
    Style.OPTPARSE: 0.08,
    Style.SYS_ARGV: 0.08,
    Style.FUNCTIONS: 0.06,
    Style.GETOPT: 0.05,
    Style.DOCOPT: 0.05,
    Style.FIRE: 0.05,
}
PY2_SHARE = 0.07
BROKEN_SHARE = 0.01
#: Share of scripts (per style that has them) with sub-commands.
SUBCOMMAND_SHARE = {Style.ARGPARSE: 0.2, Style.CLICK: 0.35, Style.FIRE: 0.3,
                    Style.FUNCTIONS: 0.5, Style.DOCOPT: 0.25, Style.TYPER: 0.3}

MIXES = ("synthetic", "real")

FOLDERS = ("deploy", "db/postgres", "db/mysql", "network", "monitoring", "storage", "k8s",
           "users", "certs", "backup", "queues", "cdn", "dns", "legacy/cron")
LIB_MODULES = ("lib/opslib.py", "lib/inventory.py")

VERBS = ("restart", "rotate", "sync", "check", "purge", "scale", "drain", "backup",
         "restore", "deploy", "rollback", "list", "prune", "reindex", "failover", "promote",
         "snapshot", "audit", "rebalance", "warm", "flush", "renew", "notify", "export",
         "archive", "migrate", "cleanup", "resize")
SUFFIXES = ("v2", "legacy", "ams1", "fra2", "iad1", "nightly", "eu", "us", "old", "new")
SCOPES = ("on one host", "across a datacenter", "for one tenant", "in the given environment",
          "before a deploy", "after an incident", "during the maintenance window",
          "for the on-call rotation", "behind the load balancer", "in every region")
PARAGRAPHS = (
    "Runs from cron on the bastion and from chatops.  Only prints the plan; the\n"
    "operator (or the bot) decides whether to apply it.",
    "Written during the 2016 datacenter move and never retired.  It talks to the\n"
    "NOUN API through the helpers below; see the wiki for the runbook.",
    "Replaces the old Perl tool.  Keep the options compatible: other jobs call this\n"
    "script with the same flags.",
    "Safe to run at any time: it reads state and prints what it would change.\n"
    "Exit status is non-zero when something needs a human.",
)


@dataclass(frozen=True, slots=True)
class ScriptInfo:
    """One generated script, as the measurements need to know it."""

    relpath: str
    style: Style
    python2: bool
    broken: bool
    subcommands: tuple[str, ...]
    helpers: tuple[str, ...]  #: relpaths of the helper modules it imports
    action: str  #: the action name per the mapping rules (without sub-command parts)
    description: str | None  #: the argparse description literal, verbatim in the file
    size: int


class Role(enum.StrEnum):
    """What a Python file that is not a script is there for."""

    HELPER = "helper module"  #: a module scripts import (beside them, or from lib/)
    PACKAGE = "package module"  #: a module of a helper package, __init__.py included
    TEST = "test"  #: tests/test_*.py and conftest.py
    SETUP = "setup.py"
    VENDORED = "vendored"  #: a copy of a third-party library


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """One generated Python file with no command line of its own."""

    relpath: str
    role: Role
    python2: bool = False


@dataclass(frozen=True, slots=True)
class RepoStats:
    """What ``generate_repo`` wrote."""

    root: Path
    seed: int
    scripts: tuple[ScriptInfo, ...]
    modules: tuple[ModuleInfo, ...]  #: Python files with no command line, sorted
    other_files: tuple[str, ...]  #: non-Python files (README, inventory)
    total_bytes: int
    mix: str = "synthetic"

    @property
    def helpers(self) -> tuple[str, ...]:
        """The modules scripts import (helper modules and helper packages' modules)."""
        return tuple(m.relpath for m in self.modules
                     if m.role in (Role.HELPER, Role.PACKAGE))

    @property
    def python_files(self) -> tuple[str, ...]:
        """Every Python file voodoo reads: scripts, and every file that is not one."""
        return tuple(sorted([s.relpath for s in self.scripts]
                            + [m.relpath for m in self.modules]))

    @property
    def python2_files(self) -> tuple[str, ...]:
        """Python 2 files, scripts and modules."""
        return tuple(sorted([s.relpath for s in self.scripts if s.python2]
                            + [m.relpath for m in self.modules if m.python2]))

    def by_role(self) -> dict[str, int]:
        return dict(Counter(str(m.role) for m in self.modules))

    @property
    def broken(self) -> tuple[ScriptInfo, ...]:
        return tuple(s for s in self.scripts if s.broken)

    @property
    def python2(self) -> tuple[ScriptInfo, ...]:
        return tuple(s for s in self.scripts if s.python2)

    def by_style(self) -> dict[str, int]:
        return dict(Counter(str(s.style) for s in self.scripts if not s.broken))


def action_name(stem: str) -> str:
    """The action name voodoo derives from a file stem (see the mapping rules)."""
    return re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_")


def _allocate(total: int, weights: dict[Style, float]) -> list[Style]:
    """``total`` styles in the given proportions (largest remainder), each at least once
    when there is room for all of them."""
    exact = {s: total * w / sum(weights.values()) for s, w in weights.items()}
    counts = {s: int(v) for s, v in exact.items()}
    if total >= len(weights):
        counts = {s: max(1, c) for s, c in counts.items()}
    by_remainder = sorted(weights, key=lambda s: exact[s] - int(exact[s]), reverse=True)
    i = 0
    while sum(counts.values()) < total:
        counts[by_remainder[i % len(by_remainder)]] += 1
        i += 1
    while sum(counts.values()) > total:
        biggest = max(counts, key=lambda s: counts[s])
        counts[biggest] -= 1
    return [s for s in weights for _ in range(counts[s])]


def _kinds(n: int, rng: random.Random) -> list[tuple[Style, bool, bool]]:
    """(style, python2, broken) for each of ``n`` scripts, shuffled."""
    broken = round(n * BROKEN_SHARE) or (1 if n >= 10 else 0)
    py2 = round(n * PY2_SHARE) or (1 if n >= 15 else 0)
    plain = n - broken - py2
    kinds = [(s, False, False) for s in _allocate(plain, STYLE_WEIGHTS)]
    kinds += [(rng.choice(PY2_STYLES), True, False) for _ in range(py2)]
    kinds += [(rng.choice([Style.ARGPARSE, Style.CLICK, Style.OPTPARSE]), False, True)
              for _ in range(broken)]
    rng.shuffle(kinds)
    return kinds


def _unique_stem(rng: random.Random, verb: str, noun: str, taken: set[str]) -> str:
    sep = "-" if rng.random() < 0.25 else "_"
    stem = f"{verb}{sep}{noun}"
    for suffix in rng.sample(SUFFIXES, len(SUFFIXES)):
        if action_name(stem) not in taken:
            break
        stem = f"{verb}{sep}{noun}{sep}{suffix}"
    k = 2
    base = stem
    while action_name(stem) in taken:
        stem = f"{base}{sep}{k}"
        k += 1
    taken.add(action_name(stem))
    return stem


def _defined_names(text: str) -> list[str]:
    return re.findall(r"^(?:def|class) (\w+)", text, flags=re.M)


def _helper_module(relpath: str, rng: random.Random) -> str:
    name = Path(relpath).stem
    head = (f'"""Shared helpers for the {name.removesuffix("_utils")} scripts.\n\n'
            "No command line of its own: scripts import what they need, so logging and\n"
            'the usual conventions look the same everywhere.\n"""\n'
            "import json\nimport logging\nimport os\nimport re\nimport sys\nimport time\n\n"
            f'log = logging.getLogger("{name}")\n')
    blocks = padding(rng, rng.randint(1500, 7000), set())
    return head + "\n" + "\n".join(blocks)


def _options(rng: random.Random, low: int, high: int, exclude: set[str]) -> list[Opt]:
    pool = [o for o in OPTIONS if o.name not in exclude]
    return rng.sample(pool, min(len(pool), rng.randint(low, high)))


def _spec(rng: random.Random, stem: str, style: Style, py2: bool, noun: str,
          verb: str) -> Spec:
    positional = noun if rng.random() < 0.6 else None
    opts = _options(rng, 2, 8, {positional or ""})
    subs: list[Sub] = []
    if not py2 and rng.random() < SUBCOMMAND_SHARE.get(style, 0.0):
        used = {o.name for o in opts} | {positional or ""}
        names = rng.sample(SUBCOMMANDS, rng.randint(2, 4))
        subs = [Sub(s, f"{s.capitalize()} {noun}s", _options(rng, 0, 3, used)) for s in names]
    scope = rng.choice(SCOPES)
    return Spec(
        stem=stem, style=style, py2=py2, noun=noun,
        title=f"{verb.capitalize()} {noun}s {scope}.",
        paragraph=rng.choice(PARAGRAPHS).replace("NOUN", noun),
        description=f"{verb.capitalize()} the {noun}s {rng.choice(SCOPES)}",
        opts=opts, positional=positional, subs=subs,
        doc_as_description=rng.random() < 0.1,
        constants=rng.random() < 0.4,
    )


def _corrupt(text: str, rng: random.Random) -> str:
    """A realistic way for a checked-in script to stop compiling."""
    lines = text.splitlines(keepends=True)
    how = rng.randrange(4)
    if how == 0:  # a merge nobody finished, just before a top-level function
        at = rng.choice([i for i, line in enumerate(lines) if line.startswith("def ")])
        conflict = ("<<<<<<< HEAD\nDEFAULT_WAIT = 30\n=======\nDEFAULT_WAIT = 60\n"
                    ">>>>>>> origin/master\n")
        return "".join(lines[:at]) + conflict + "".join(lines[at:])
    if how == 1:  # saved half-way through an edit
        at = rng.randrange(len(lines) // 2, len(lines))
        return "".join(lines[:at]) + '    parser.add_argument("--limit", type=int,\n'
    if how == 2:  # a missing colon
        return text + "\n\ndef rollback(args)\n    return 0\n"
    return text + ('\n\ndef _legacy_cleanup(paths):\n    for p in paths:\n'
                   '        log.info("removing %s", p)\n\t\tos.remove(p)\n')


def _py2(text: str) -> str:
    """Python 2 spelling for what the padding writes in Python 3 form."""
    return re.sub(r"except (\w+|\([^)]*\)) as (\w+):", r"except \1, \2:", text)


def _script(spec: Spec, rng: random.Random, broken: bool, *, low: int = MIN_SIZE + 200,
            high: int = MAX_SIZE - 2048, median: int = 4500, sigma: float = 0.8,
            templates: tuple[str, ...] = FUNCTIONS) -> str:
    head, tail = RENDERERS[spec.style](spec, rng)
    target = min(high, max(low, int(rng.lognormvariate(math.log(median), sigma))))
    budget = max(target - len(head) - len(tail), 0)
    blocks = padding(rng, budget, set(), templates)
    text = head + "\n" + "\n".join(blocks) + tail
    if spec.py2:
        text = _py2(text)
    return _corrupt(text, rng) if broken else text


def _layout(n: int, rng: random.Random) -> list[str]:
    folders = list(FOLDERS)
    weights = [rng.uniform(0.5, 3.0) for _ in folders]
    return rng.choices(folders, weights=weights, k=n)


def _readme(stats_line: str) -> str:
    return ("# ops-scripts\n\nEverything the ops team runs by hand, from cron or from chatops.\n"
            "Scripts print what they would do; see each script's --help.\n\n"
            f"{stats_line}\n")


def _write(root: Path, files: dict[str, str]) -> int:
    """Write every file under ``root``; the total size in bytes."""
    root.mkdir(parents=True, exist_ok=True)
    total = 0
    for relpath in sorted(files):
        data = files[relpath].encode()
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    return total


def generate_repo(root: Path, n: int, seed: int, mix: str = "synthetic") -> RepoStats:
    """Write ``n`` scripts (plus the files around them) under ``root``, in ``mix``.

    ``root`` must be missing or empty, so that the tree is exactly what this seed gives.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r} (expected one of {', '.join(MIXES)})")
    if root.exists() and any(root.iterdir()):
        raise ValueError(f"{root} is not empty")
    if mix == "real":
        from bench._realmix import generate_real

        return generate_real(root, n, seed)
    rng = random.Random(seed)
    kinds = _kinds(n, rng)
    folders = _layout(n, rng)
    files: dict[str, str] = {}

    helper_of: dict[str, str] = {}
    for folder in FOLDERS:
        if folder in folders and rng.random() < 0.6:
            helper_of[folder] = f"{folder}/{folder.split('/')[-1]}_utils.py"
    for relpath in [*helper_of.values(), *LIB_MODULES]:
        files[relpath] = _helper_module(relpath, rng)
    exported = {rel: _defined_names(text) for rel, text in files.items()}

    taken: set[str] = set()
    infos: list[ScriptInfo] = []
    for (style, py2, broken), folder in zip(kinds, folders, strict=True):
        verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
        stem = _unique_stem(rng, verb, noun, taken)
        spec = _spec(rng, stem, style, py2, noun, verb)
        helpers: list[str] = []
        roll = rng.random()
        if folder in helper_of and roll < 0.3:
            helpers.append(helper_of[folder])
        elif roll < 0.4:
            helpers.append(rng.choice(LIB_MODULES))
            up = "/".join([".."] * (folder.count("/") + 1))
            spec.helper_imports.append(
                "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "
                f'"{up}/lib"))')
        for rel in helpers:
            names = rng.sample(exported[rel], min(2, len(exported[rel])))
            spec.helper_imports.append(f"from {Path(rel).stem} import {', '.join(names)}")
            spec.helper_names.extend(names)
        text = _script(spec, rng, broken)
        no_ext = (not broken and not py2 and style in (Style.ARGPARSE, Style.SYS_ARGV)
                  and rng.random() < 0.03)
        relpath = f"{folder}/{stem}" if no_ext else f"{folder}/{stem}.py"
        files[relpath] = text
        literal = (style is Style.ARGPARSE and not broken and not spec.doc_as_description)
        infos.append(ScriptInfo(
            relpath=relpath, style=style, python2=py2, broken=broken,
            subcommands=tuple(s.name for s in spec.subs), helpers=tuple(helpers),
            action=action_name(stem), description=spec.description if literal else None,
            size=len(text.encode()),
        ))

    counts = Counter(str(i.style) for i in infos)
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    other = {"README.md": _readme(f"{n} scripts ({summary})."),
             "inventory/hosts.ini": "[web]\nweb-01\nweb-02\n\n[db]\ndb-01 # primary\ndb-02\n"}
    files.update(other)
    total = _write(root, files)
    modules = tuple(ModuleInfo(rel, Role.HELPER)
                    for rel in sorted([*helper_of.values(), *LIB_MODULES]))
    return RepoStats(root=root, seed=seed, scripts=tuple(infos), modules=modules,
                     other_files=tuple(sorted(other)), total_bytes=total)
