"""Analyzed scripts -> the bytes of every file voodoo owns in the pack.

Pure apart from reading the scripts and their local modules: what to write where is
decided later (``pack.plan``), and only ``pack.apply`` writes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from voodoo import cache, deps, gitmeta, pack_config, py2, stackstorm, wrapper
from voodoo._paths import read_regular
from voodoo.config import DEFAULTS, PackMeta, Settings
from voodoo.manifest import SourceInfo, sha256
from voodoo.model import Command, Diagnostic, Severity
from voodoo.workers import Analyzed

RUNTIME_PATH = wrapper.RUNTIME_PACK_PATH


SCRIPTS_DIR = "actions/scripts"


@dataclass(frozen=True, slots=True)
class Rendered:
    """Every file voodoo owns in the pack, and the source each one comes from."""

    files: dict[str, bytes]
    sources: dict[str, SourceInfo]
    notes: tuple[Diagnostic, ...]
    #: files of unchanged scripts, not rendered again: they would be what the manifest says
    carried: frozenset[str] = frozenset()
    #: per script with actions: what rendering it made (for the cache)
    records: dict[str, cache.RenderRecord] = dataclasses.field(default_factory=dict)


def render(
    analyzed: Sequence[Analyzed],
    commands: dict[str, list[Command]],
    *,
    pack_ref: str,
    pack_name: str,
    source_root: Path,
    pack_meta: PackMeta | None = None,
    settings: Settings = DEFAULTS,
    redo: Collection[str] | None = None,
    cwds: Mapping[str, str] | None = None,
    folder: str | None = None,
    modules: Mapping[str, Analyzed] | None = None,
) -> Rendered:
    """Render the pack: pure apart from reading the scripts and their local modules.
    With ``settings.config_schema``, environment variables the scripts read become pack
    config keys. Python 2 files are copied converted to Python 3, or with
    ``settings.keep_python2`` as they are (their actions then run them with ``python2``).

    With ``redo``, only those scripts are rendered; every other one must have a cached
    ``RenderRecord`` (its files are then ``carried``, the pack-wide files use its record).
    ``cwds``: script relpath -> the working directory its actions run in (the
    configuration's ``cwd``; by default the script's own folder in the pack). ``folder``:
    the pack folder's name; when it is not ``pack_ref``, actions leave ``pack`` out
    (``stackstorm.action_metadata``). ``modules``: every file's analysis by relpath (the
    helper modules too): a local module copied with a script then needs no second look
    to know it is Python 3, nor a second conversion when its worker converted it."""
    action_pack = pack_ref if folder is None or folder == pack_ref else None
    files: dict[str, bytes] = {}
    sources: dict[str, SourceInfo] = {}
    notes: list[Diagnostic] = []
    sections: list[tuple[str, str]] = []
    requirements: set[str] = set()
    unknown: list[tuple[str, str]] = []  #: imports whose distribution is unknown
    carried: set[str] = set()
    records: dict[str, cache.RenderRecord] = {}
    with_cmds = [a.script for a in analyzed if commands.get(a.source.relpath)]
    env_keys = pack_config.config_keys(with_cmds) if settings.config_schema else {}
    for a in analyzed:
        rel, cmds = a.source.relpath, commands.get(a.source.relpath, [])
        if not cmds:
            continue
        record = a.entry.render if a.entry is not None else None
        if redo is not None and rel not in redo and record is not None:
            assert a.entry is not None
            # its files are what the manifest says: only what the pack-wide files take
            e = a.entry
            one = _ScriptFiles({}, {}, record, e.third_party, e.notes, e.unknown)
            carried.update(record.files)
        else:
            one = _render_script(
                a,
                cmds,
                source_root=source_root,
                settings=settings,
                pack_ref=pack_ref,
                action_pack=action_pack,
                config_env={env_keys[v]: v for v in a.script.env_reads if v in env_keys},
                cwd=(cwds or {}).get(rel),
                modules=modules or {},
            )
        files.update(one.files)
        sources.update(one.sources)
        unknown.extend(one.unknown)
        notes.extend(unknown_notes(rel, one.unknown))
        notes.extend(one.record.notes)
        notes.extend(Diagnostic(rel, 0, Severity.INFO, "dependency", n) for n in one.dep_notes)
        requirements.update(one.third_party)
        sections.extend(one.record.readme)
        records[rel] = one.record
    if sections:
        files[RUNTIME_PATH] = wrapper.runtime_source().encode()
    if env_keys:
        files[pack_config.CONFIG_SCHEMA_PATH] = stackstorm.dump_yaml(
            pack_config.config_schema(with_cmds)
        ).encode()
    files["requirements.txt"] = deps.requirements_txt(sorted(requirements), unknown).encode()
    files["README.md"] = stackstorm.readme_from_sections(pack_ref, sections).encode()
    pm = pack_meta or PackMeta()
    pack_yaml = stackstorm.pack_metadata(
        pack_ref,
        pm.name or pack_name,
        pm.description or "Actions generated by voodoo from legacy scripts.",
        version=pm.version or "0.1.0",
        author=pm.author or "voodoo",
        email=pack_email(pm, source_root),
    )
    files["pack.yaml"] = stackstorm.dump_yaml(pack_yaml).encode()
    # A module two scripts import is rendered by the one that changed: not carried too.
    return Rendered(files, sources, tuple(notes), frozenset(carried - files.keys()), records)


@dataclass(frozen=True, slots=True)
class _ScriptFiles:
    """What rendering one script made (or, carried over, made last time): its files, and
    what the pack-wide files take."""

    files: dict[str, bytes]
    sources: dict[str, SourceInfo]
    record: cache.RenderRecord  #: its files, README sections and copy notes (for the cache)
    third_party: tuple[str, ...]
    dep_notes: tuple[str, ...]
    unknown: tuple[tuple[str, str], ...]


def _render_script(
    a: Analyzed,
    cmds: Sequence[Command],
    *,
    source_root: Path,
    settings: Settings,
    pack_ref: str,
    action_pack: str | None,
    config_env: Mapping[str, str],
    cwd: str | None,
    modules: Mapping[str, Analyzed],
) -> _ScriptFiles:
    """One script's files: its copy and its local modules' (under ``SCRIPTS_DIR``), and
    each command's action YAML and wrapper."""
    rel = a.source.relpath
    files: dict[str, bytes] = {}
    sources: dict[str, SourceInfo] = {}
    copy_notes: list[Diagnostic] = []
    copies: list[tuple[Path, str, bool, Analyzed | None]] = [(a.source.path, rel, False, a)]
    if a.entry is not None:
        local = [source_root / m for m in a.entry.local]
        third, dep_notes, unknown = a.entry.third_party, a.entry.notes, a.entry.unknown
    else:
        found = deps.discover(a.source.path, a.script.imports, source_root)
        local, third, dep_notes, unknown = (
            list(found.local),
            found.third_party,
            found.notes,
            found.unknown,
        )
    here = a.source.path.resolve().parent
    for mod in local:
        real = mod.resolve()
        # (a module in another folder is copied as a package member)
        copy_rel = real.relative_to(source_root).as_posix()
        copies.append((mod, copy_rel, real.parent != here, modules.get(copy_rel)))
    python2 = False
    for path, copy_rel, package, analysis in copies:
        data, digest, done = _copy(path, settings, package, analysis)
        files[f"{SCRIPTS_DIR}/{copy_rel}"] = data
        sources[f"{SCRIPTS_DIR}/{copy_rel}"] = SourceInfo(copy_rel, digest)
        if done is not None:
            python2 = True
            message = f"the pack's copy of {copy_rel} is {done}"
            copy_notes.append(Diagnostic(rel, 0, Severity.INFO, "python2", message))
    interpreter = "python2" if python2 and settings.keep_python2 else None
    origin = SourceInfo(rel, a.script.source_hash)
    sections = []
    for cmd in cmds:
        ready = next((text for c, text in a.actions if c == cmd), None)
        wrapper_text = wrapper.wrapper_source(
            cmd,
            f"scripts/{rel}",
            source_display=rel,
            config_env=config_env,
            interpreter=interpreter,
            parser=a.script.framework,
            cwd=cwd,
        )
        for target, text in (
            (f"actions/{cmd.name}.yaml", ready or stackstorm.action_yaml(cmd, action_pack)),
            (f"actions/{cmd.name}.py", wrapper_text),
        ):
            files[target] = text.encode()
            sources[target] = origin
        sections.append((cmd.name, stackstorm.readme_section(pack_ref, cmd, rel)))
    record = cache.RenderRecord(tuple(files), tuple(sections), tuple(copy_notes))
    return _ScriptFiles(files, sources, record, tuple(third), tuple(dep_notes), tuple(unknown))


def _copy(
    path: Path, settings: Settings, package: bool, script: Analyzed | None
) -> tuple[bytes, str, str | None]:
    """One file's copy for the pack (a Python 2 one converted, unless kept), its source's
    sha256, and what the conversion did (None: Python 3, copied as it is). ``script``:
    the file's analysis, which already says whether it is Python 3 (and, from a worker,
    may hold the converted copy)."""
    data = read_regular(path)
    digest = sha256(data)
    fresh = script is not None and script.script.ok and digest == script.script.source_hash
    if fresh and script is not None and not script.script.python2:
        return data, digest, None  # parsed as Python 3 already: copied as it is
    if (
        fresh
        and script is not None
        and script.copy
        and not settings.keep_python2
        and (not package or py2.package_neutral(data, str(path)))
    ):
        out, done = script.copy  # converted where it was analyzed
    else:
        out, done = py2.pack_copy(data, str(path), keep=settings.keep_python2, package=package)
    return out, digest, done


def unknown_notes(rel: str, unknown: Iterable[tuple[str, str]]) -> list[Diagnostic]:
    """A warning per import whose distribution is unknown, at its line when in ``rel``."""
    out = []
    for name, where in unknown:
        file, _, line = where.rpartition(":")
        here = int(line) if file == rel and line.isdigit() else 0
        out.append(
            Diagnostic(
                rel,
                here,
                Severity.WARNING,
                "unknown-distribution",
                f"import {name!r} ({where}): its PyPI distribution is not known, "
                "so requirements.txt only names it in a comment; add the "
                "distribution there by hand",
            )
        )
    return out


def pack_email(meta: PackMeta, source_root: Path) -> str:
    """pack.yaml's ``email``: ``[tool.voodoo.metadata] email``, else ``user.email`` of the
    source repository's git configuration (read as files, git never runs), else
    ``stackstorm.PLACEHOLDER_EMAIL`` (``result.pack_notes`` then warns)."""
    return meta.email or gitmeta.user_email(source_root) or stackstorm.PLACEHOLDER_EMAIL
