"""Keeping a pack in sync: script edits, hand edits, renames, deletes, check, config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from voodoo import cache
from voodoo.check import check
from voodoo.cli import cli
from voodoo.config import find
from voodoo.ingest import ingest
from voodoo.reconcile import ChangeKind

REPO = Path(__file__).resolve().parent.parent

BACKUP = '''"""Back up a folder."""
import argparse
p = argparse.ArgumentParser(description="Back up a folder.")
p.add_argument("--source", required=True, help="What to back up")
p.add_argument("--retries", type=int, default=3, help="How often to retry")
args = p.parse_args()
'''

RESTART = '''import argparse
p = argparse.ArgumentParser(description="Restart a service.")
p.add_argument("service", help="The service")
p.parse_args()
'''


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "backup.py").write_text(BACKUP)
    (src / "restart.py").write_text(RESTART)
    ingest([src], tmp_path / "ops")
    return tmp_path


def action(root: Path, name: str) -> dict:
    return yaml.safe_load((root / "ops/actions" / f"{name}.yaml").read_text())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def sync(root: Path, **kw: object):  # type: ignore[no-untyped-def]
    return ingest([root / "src"], root / "ops", **kw)  # type: ignore[arg-type]


def changed_fields(result, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    (ch,) = [c for c in result.changes if c.action == name]
    return [f.field for f in ch.fields]


# --- script changes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        ("default=3", "default=5", ["parameters.retries.default"]),
        ("How often to retry", "Attempts", ["parameters.retries.description"]),
        ("type=int, default=3", "type=float, default=3.5",
         ["parameters.retries.type", "parameters.retries.default"]),
        ('p.add_argument("--retries"', 'p.add_argument("--tries"',
         ["parameters.retries", "parameters.tries"]),
        ('p.add_argument("--source", required=True, help="What to back up")\n', "",
         ["parameters.source"]),
        ("args = p", 'p.add_argument("--dry-run", action="store_true")\nargs = p',
         ["parameters.dry_run"]),
    ],
    ids=["default", "help", "type", "rename-option", "remove-option", "add-option"],
)
def test_a_script_edit_changes_exactly_its_fields(tree: Path, old: str, new: str,
                                                   fields: list[str]) -> None:
    edit(tree / "src/backup.py", old, new)
    result = sync(tree)
    assert sorted(changed_fields(result, "backup")) == sorted(fields)
    kinds = {c.action: c.kind for c in result.changes if c.action}
    assert kinds == {"backup": ChangeKind.UPDATED, "restart": ChangeKind.UNCHANGED}


def test_unchanged_scripts_are_not_parsed_again(tree: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import voodoo.analysis as mod  # ingest imports it when a file must be parsed

    parsed: list[str] = []
    real = mod.analyze_file

    def spy(path, **kw):  # type: ignore[no-untyped-def]
        parsed.append(Path(path).name)
        return real(path, **kw)

    monkeypatch.setattr(mod, "analyze_file", spy)
    sync(tree)
    assert parsed == []
    edit(tree / "src/backup.py", "default=3", "default=4")
    sync(tree)
    assert parsed == ["backup.py"]


def test_a_touched_but_identical_script_is_not_parsed(tree: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import voodoo.analysis as mod  # ingest imports it when a file must be parsed

    monkeypatch.setattr(mod, "analyze_file", lambda *a, **k: pytest.fail("parsed"))
    os.utime(tree / "src/backup.py", ns=(1, 1))
    assert not sync(tree).plan.changes


def test_cache_is_dropped_on_another_voodoo_version(tree: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache.load(tree / "ops").scripts
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    assert not cache.load(tree / "ops").scripts


def test_the_cache_round_trips_the_model(tree: Path) -> None:
    from voodoo.analysis import analyze_file

    script = analyze_file(tree / "src/backup.py", display_path="backup.py")
    assert cache.decode(cache.encode(script)) == script


def test_a_format_1_cache_is_dropped_and_rebuilt(tree: Path) -> None:
    state = tree / "ops/.voodoo"
    shutil.rmtree(state / "cache")
    (state / "cache.json").write_text('{"format": 1, "scripts": {}}')
    assert not sync(tree).plan.changes
    assert not (state / "cache.json").exists()
    assert cache.load(tree / "ops").scripts and cache.load_index(tree / "ops").stats


def test_check_answers_from_the_index_while_the_manifest_is_the_same(tree: Path) -> None:
    from voodoo.check import check

    manifest = tree / "ops/.voodoo/manifest.json"
    os.utime(manifest, ns=(1, 1))  # a checkout: new mtime, same bytes
    assert check([tree / "src"], tree / "ops").result is None  # the fast path
    manifest.write_text(manifest.read_text().replace('"version"', ' "version"'))
    assert check([tree / "src"], tree / "ops").result is not None


def test_a_lost_analysis_is_parsed_again_when_needed(tree: Path) -> None:
    shutil.rmtree(tree / "ops/.voodoo/cache/analyses")
    (tree / "ops/actions/backup.py").unlink()  # an unchanged script must render again
    assert [w.path for w in sync(tree).plan.writes] == ["actions/backup.py"]


# --- hand edits ---------------------------------------------------------------------------

HAND = """# owned by the ops team
name: backup
runner_type: python-script
description: Back up a folder to the NAS.  # better than the script's
enabled: true
entry_point: backup.py
pack: ops
parameters:
  source:
    type: string
    description: What to back up
    required: true
    enum:
      - /srv
      - /home
  retries:
    type: integer
    description: How often to retry
    default: 3
    secret: true
"""


def test_hand_edits_and_comments_survive_a_script_change(tree: Path) -> None:
    (tree / "ops/actions/backup.yaml").write_text(HAND)
    edit(tree / "src/backup.py", "How often to retry", "Attempts before giving up")
    result = sync(tree)
    text = (tree / "ops/actions/backup.yaml").read_text()
    assert "# owned by the ops team" in text and "# better than the script's" in text
    meta = action(tree, "backup")
    assert list(meta) == list(yaml.safe_load(HAND))  # the person's key order
    assert list(meta["parameters"]["retries"]) == ["type", "description", "default", "secret"]
    assert meta["description"] == "Back up a folder to the NAS."
    assert meta["parameters"]["source"]["enum"] == ["/srv", "/home"]
    assert meta["parameters"]["retries"]["secret"] is True
    assert meta["parameters"]["retries"]["description"] == "Attempts before giving up"
    (ch,) = [c for c in result.changes if c.action == "backup"]
    assert ch.kind is ChangeKind.MERGED and ch.conflicts == ()
    # and the next run has nothing to do
    assert not sync(tree).plan.changes


def test_a_removed_parameter_and_disabled_action_stay_so(tree: Path) -> None:
    meta = action(tree, "backup")
    del meta["parameters"]["retries"]
    meta["enabled"] = False
    (tree / "ops/actions/backup.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    edit(tree / "src/backup.py", "What to back up", "Folder")
    sync(tree)
    meta = action(tree, "backup")
    assert "retries" not in meta["parameters"] and meta["enabled"] is False
    assert meta["parameters"]["source"]["description"] == "Folder"


@pytest.mark.parametrize("prefer", ["ours", "theirs"])
def test_both_changed_a_field(tree: Path, prefer: str) -> None:
    edit(tree / "ops/actions/backup.yaml", "default: 3", "default: 10")
    edit(tree / "src/backup.py", "default=3", "default=5")
    result = sync(tree, prefer=prefer)
    (ch,) = [c for c in result.changes if c.action == "backup"]
    (conflict,) = ch.conflicts
    assert (conflict.field, conflict.ours, conflict.theirs) == (
        "parameters.retries.default", 10, 5)
    want = 10 if prefer == "ours" else 5
    assert action(tree, "backup")["parameters"]["retries"]["default"] == want


def test_cli_ingest_theirs_and_conflict_report(tree: Path) -> None:
    edit(tree / "ops/actions/backup.yaml", "default: 3", "default: 10")
    edit(tree / "src/backup.py", "default=3", "default=5")
    out = CliRunner().invoke(cli, ["ingest", str(tree / "src"), "--pack", str(tree / "ops"),
                                   "--theirs"])
    assert out.exit_code == 0, out.output
    assert "conflict in backup: parameters.retries.default" in out.output
    assert action(tree, "backup")["parameters"]["retries"]["default"] == 5


def test_pack_yaml_stays_the_users(tree: Path) -> None:
    edit(tree / "ops/pack.yaml", "author: voodoo", "author: Ops")
    edit(tree / "src/backup.py", "default=3", "default=5")
    sync(tree)
    assert "author: Ops" in (tree / "ops/pack.yaml").read_text()


# --- deletes, renames, moves ----------------------------------------------------------------


def test_a_deleted_script_removes_its_action_wrapper_and_copy(tree: Path) -> None:
    (tree / "src/restart.py").unlink()
    result = sync(tree)
    for rel in ("actions/restart.yaml", "actions/restart.py", "actions/scripts/restart.py"):
        assert not (tree / "ops" / rel).exists(), rel
    assert "restart" not in (tree / "ops/README.md").read_text()
    assert [c.kind for c in result.changes if c.action == "restart"] == [ChangeKind.REMOVED]


def test_a_deleted_script_with_a_hand_edited_action_is_disabled(tree: Path) -> None:
    edit(tree / "ops/actions/restart.yaml", "description: Restart a service.",
         "description: Restart a service (careful).")
    (tree / "src/restart.py").unlink()
    result = sync(tree)
    meta = action(tree, "restart")
    assert meta["enabled"] is False and "careful" in meta["description"]
    assert [c.kind for c in result.changes if c.action == "restart"] == [ChangeKind.DISABLED]
    assert not sync(tree).plan.changes


@pytest.mark.parametrize("new", ["restart_service.py", "svc/restart_service.py"],
                         ids=["rename", "move"])
def test_a_renamed_script_renames_its_action_and_keeps_hand_edits(tree: Path,
                                                                  new: str) -> None:
    edit(tree / "ops/actions/restart.yaml", "description: Restart a service.",
         "description: Restart a service, by hand.  # mine")
    target = tree / "src" / new
    target.parent.mkdir(exist_ok=True)
    (tree / "src/restart.py").rename(target)
    result = sync(tree)
    assert not (tree / "ops/actions/restart.yaml").exists()
    text = (tree / "ops/actions/restart_service.yaml").read_text()
    assert "by hand.  # mine" in text
    meta = action(tree, "restart_service")
    assert meta["name"] == "restart_service" and meta["entry_point"] == "restart_service.py"
    (ch,) = [c for c in result.changes if c.kind is ChangeKind.RENAMED]
    assert (ch.old_action, ch.action) == ("restart", "restart_service")
    assert (tree / "ops/actions/scripts" / new).is_file()
    assert not (tree / "ops/actions/scripts/restart.py").exists()
    assert not sync(tree).plan.changes


def test_a_local_module_and_requirements_follow(tree: Path) -> None:
    (tree / "src/helpers.py").write_text("X = 1\n")
    edit(tree / "src/backup.py", "import argparse",
         "import argparse\nimport helpers\nimport requests")
    sync(tree)
    assert (tree / "ops/actions/scripts/helpers.py").read_text() == "X = 1\n"
    assert "requests" in (tree / "ops/requirements.txt").read_text()
    (tree / "src/helpers.py").write_text("X = 2\n")
    assert not check([tree / "src"], tree / "ops").in_sync
    sync(tree)
    assert (tree / "ops/actions/scripts/helpers.py").read_text() == "X = 2\n"


def test_a_new_local_module_is_picked_up_by_an_unchanged_script(tree: Path) -> None:
    edit(tree / "src/backup.py", "import argparse", "import argparse\nimport helpers")
    sync(tree)
    assert not (tree / "ops/actions/scripts/helpers.py").exists()
    (tree / "src/helpers.py").write_text("X = 1\n")
    sync(tree)
    assert (tree / "ops/actions/scripts/helpers.py").is_file()
    assert "helpers" not in (tree / "ops/requirements.txt").read_text()


def test_two_concurrent_ingests_leave_one_consistent_pack(tree: Path) -> None:
    edit(tree / "src/backup.py", "default=3", "default=7")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            sync(tree)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert action(tree, "backup")["parameters"]["retries"]["default"] == 7
    assert check([tree / "src"], tree / "ops").in_sync


# --- check ----------------------------------------------------------------------------------


def test_check_exit_codes_and_diff(tree: Path) -> None:
    args = ["check", str(tree / "src"), "--pack", str(tree / "ops")]
    out = CliRunner().invoke(cli, args)
    assert (out.exit_code, out.output) == (0, f"{tree / 'ops'}: in sync\n")
    edit(tree / "src/backup.py", "default=3", "default=5")
    before = (tree / "ops/actions/backup.yaml").read_bytes()
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1
    assert "updated backup\n    parameters.retries.default: 3 -> 5\n" in out.output
    assert (tree / "ops/actions/backup.yaml").read_bytes() == before  # never writes


def test_check_sees_a_new_script_and_a_deleted_pack_file(tree: Path) -> None:
    (tree / "src/new.py").write_text(RESTART)
    assert not check([tree / "src"], tree / "ops").in_sync
    (tree / "src/new.py").unlink()
    assert check([tree / "src"], tree / "ops").in_sync
    (tree / "ops/actions/restart.py").unlink()
    assert not check([tree / "src"], tree / "ops").in_sync


def _imports_of_check(cwd: Path, *args: str) -> tuple[int, set[str]]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "voodoo", "check", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
               if line.startswith("import time:")}
    return proc.returncode, modules


def test_check_fast_path_imports_no_libcst_jsonschema_or_rich(tree: Path) -> None:
    code, modules = _imports_of_check(tree, "src", "--pack", "ops")
    assert code == 0
    assert not {"libcst", "jsonschema", "rich"} & modules
    edit(tree / "src/backup.py", "default=3", "default=5")
    code, modules = _imports_of_check(tree, "src", "--pack", "ops")
    assert code == 1 and "libcst" in modules  # the slow path really is the other one


# --- configuration --------------------------------------------------------------------------


def _project(tmp_path: Path, config: str, name: str = "pyproject.toml") -> Path:
    (tmp_path / "scripts/old").mkdir(parents=True)
    (tmp_path / "scripts/backup.py").write_text(BACKUP)
    (tmp_path / "scripts/restart.py").write_text(RESTART)
    (tmp_path / "scripts/old/legacy.py").write_text(RESTART.replace("Restart", "Old"))
    (tmp_path / "scripts/scratch.py").write_text(RESTART)
    (tmp_path / ".gitignore").write_text("scratch.py\n")
    (tmp_path / name).write_text(config)
    return tmp_path


PYPROJECT = """
[project]
name = "x"

[tool.voodoo]
sources = ["scripts"]
exclude = ["scripts/old/**"]
pack = "packs/ops"

[tool.voodoo.metadata]
description = "Ops actions"
author = "Ops team"
email = "ops@example.com"
version = "1.2.3"

[tool.voodoo.scripts."backup.py"]
action = "nightly_backup"
description = "Nightly backup"
secret = ["source"]

[tool.voodoo.scripts."restart.py"]
"""

VOODOO_YAML = """
sources: ["scripts/*.py"]
pack: packs/ops
scripts:
  restart.py: {exclude: true}
"""


def test_pyproject_config_drives_ingest_and_check_from_a_subfolder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, PYPROJECT)
    monkeypatch.chdir(root / "scripts/old")
    out = CliRunner().invoke(cli, ["ingest"])
    assert out.exit_code == 0, out.output
    actions = sorted(p.name for p in (root / "packs/ops/actions").glob("*.yaml"))
    assert actions == ["nightly_backup.yaml", "restart.yaml"]  # old/ and scratch.py left out
    meta = action(root / "packs", "nightly_backup")
    assert meta["description"] == "Nightly backup"
    assert meta["parameters"]["source"]["secret"] is True
    pack = yaml.safe_load((root / "packs/ops/pack.yaml").read_text())
    assert (pack["author"], pack["email"], pack["version"]) == ("Ops team", "ops@example.com",
                                                                "1.2.3")
    assert CliRunner().invoke(cli, ["check"]).exit_code == 0


def test_voodoo_yaml_with_globs_and_excluded_script(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, VOODOO_YAML, "voodoo.yaml")
    monkeypatch.chdir(root)
    config = find()
    assert config is not None and config.pack == root / "packs/ops"
    assert CliRunner().invoke(cli, ["ingest"]).exit_code == 0
    actions = sorted(p.name for p in (root / "packs/ops/actions").glob("*.yaml"))
    assert actions == ["backup.yaml"]


def test_no_arguments_and_no_config_is_a_usage_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for command in ("ingest", "check", "watch"):
        out = CliRunner().invoke(cli, [command])
        assert out.exit_code == 2 and "configure" in out.output, command
    out = CliRunner().invoke(cli, ["ingest", str(tmp_path)])
    assert out.exit_code == 2 and "--pack" in out.output


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ('runner = "local-shell-script"', "'local-shell-script' is not supported"),
        ('runner = "remote-shell-script"', "'remote-shell-script' is not supported"),
        ('RUNNER = "python-script"', "unknown key(s): RUNNER"),
    ],
    ids=["local-shell-script", "remote", "misspelt-key"],
)
def test_a_runner_other_than_python_script_is_a_config_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str, message: str) -> None:
    root = _project(tmp_path, PYPROJECT.replace('action = "nightly_backup"',
                                                f'action = "nightly_backup"\n{override}'))
    monkeypatch.chdir(root)
    out = CliRunner().invoke(cli, ["ingest"])
    assert out.exit_code != 0 and message in out.output and "pyproject.toml" in out.output
    assert not (root / "packs").exists()


def test_the_python_script_runner_override_is_accepted(tmp_path: Path) -> None:
    from voodoo.stackstorm import RUNNER_TYPE

    root = _project(tmp_path, PYPROJECT.replace('action = "nightly_backup"',
                                                'action = "nightly_backup"\n'
                                                f'runner = "{RUNNER_TYPE}"'))
    config = find(root)
    assert config is not None and "backup.py" in config.scripts


def test_nested_gitignore_files_and_negations_are_honoured(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path, VOODOO_YAML.replace("scripts/*.py", "scripts"), "voodoo.yaml")
    (root / ".gitignore").write_text("scratch.py\n/scripts/old/\n")
    (root / "scripts/ops").mkdir()
    for name in ("tmp_a.py", "tmp_keep.py", "deploy.py"):
        (root / "scripts/ops" / name).write_text(RESTART.replace("Restart", name))
    (root / "scripts/ops/.gitignore").write_text("# scratch files\ntmp_*.py\n!tmp_keep.py\n")
    (root / "scripts/old/.gitignore").write_text("!legacy.py\n")  # its folder stays ignored
    monkeypatch.chdir(root)
    assert CliRunner().invoke(cli, ["ingest"]).exit_code == 0
    actions = sorted(p.stem for p in (root / "packs/ops/actions").glob("*.yaml"))
    assert actions == ["backup", "deploy", "tmp_keep"]  # restart.py: excluded by voodoo.yaml
    (root / "scripts/ops/.gitignore").write_text("tmp_*.py\n")
    out = CliRunner().invoke(cli, ["check"])
    assert out.exit_code == 1, out.output


def test_render_settings_in_the_config_are_used_by_ingest_and_check(tmp_path: Path) -> None:
    """`functions = true` and `config-schema = true` in [tool.voodoo] act like the flags, so
    check, watch and the pre-commit hooks agree with how the pack was made."""
    from tests.fidelity import EXAMPLES
    from voodoo.check import check
    from voodoo.config import find
    from voodoo.ingest import ingest

    (tmp_path / "scripts").mkdir()
    shutil.copy(EXAMPLES / "netutils.py", tmp_path / "scripts")
    shutil.copy(EXAMPLES / "config_push.py", tmp_path / "scripts")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.voodoo]\nsources = ["scripts"]\npack = "ops"\n'
        'functions = true\nconfig-schema = true\nkeep-python2 = true\n')
    config = find(tmp_path)
    assert config is not None and config.functions and config.config_schema
    assert config.keep_python2
    result = ingest([], config.pack, config=config)  # type: ignore[arg-type]
    netutils = next(f for f in result.files if f.relpath == "netutils.py")
    assert netutils.actions  # functions became actions
    assert (tmp_path / "ops/config.schema.yaml").is_file()
    assert check([], config.pack, config=config).in_sync  # type: ignore[arg-type]
    # Without the settings, the same pack is out of sync (the function actions would go).
    (tmp_path / "pyproject.toml").write_text('[tool.voodoo]\nsources = ["scripts"]\npack = "ops"\n')
    bare = find(tmp_path)
    assert bare is not None
    assert not check([], bare.pack, config=bare).in_sync  # type: ignore[arg-type]


def test_render_settings_must_be_booleans(tmp_path: Path) -> None:
    from voodoo.config import ConfigError, find

    (tmp_path / "voodoo.yaml").write_text("sources: [scripts]\nfunctions: 'yes'\n")
    with pytest.raises(ConfigError, match="'functions' must be true or false"):
        find(tmp_path)


def test_gitignore_folder_patterns_escapes_and_the_git_exclude_file(tmp_path: Path) -> None:
    from voodoo.config import find

    (tmp_path / "voodoo.yaml").write_text("sources: [scripts]\npack: ops\n")
    scripts = tmp_path / "scripts"
    (scripts / "build").mkdir(parents=True)
    (scripts / "gen").mkdir()
    for rel in ("build/a.py", "build.py", "gen/b.py", "#hash.py", "!bang.py", "plain.py",
                "local_only.py", "kept.py"):
        (scripts / rel).write_text("x = 1\n")
    # "build/" is a folder pattern; "gen" (no slash) matches the folder too
    (tmp_path / ".gitignore").write_text(
        "build/\nbuild.py/\ngen\n\\#hash.py\n\\!bang.py\n!kept.py\n")
    (tmp_path / ".git/info").mkdir(parents=True)
    (tmp_path / ".git/info/exclude").write_text("# mine\nlocal_only.py\nkept.py\n")
    config = find(tmp_path)
    assert config is not None
    chosen = {p.relative_to(scripts).as_posix() for p in scripts.rglob("*.py")
              if config.selects(p)}
    # found: a file named like a folder pattern, a plain file, one the .gitignore
    # re-includes after .git/info/exclude ignored it
    assert chosen == {"build.py", "plain.py", "kept.py"}
    # left alone: in ignored folders, escaped names, the local exclude file's entry
    assert not chosen & {"build/a.py", "gen/b.py", "#hash.py", "!bang.py", "local_only.py"}
