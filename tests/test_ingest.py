"""End to end: the example scripts to a pack, checked byte for byte and against StackStorm."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.fidelity import EXAMPLES, st2_reference
from voodoo.config import Settings
from voodoo.ingest import FileStatus, ingest
from voodoo.validate import validate_pack

EXPECTED = Path(__file__).parent / "expected" / "ops"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "lock" and ".voodoo/cache" not in p.as_posix()}


@pytest.fixture(scope="module")
def example_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pack = tmp_path_factory.mktemp("packs") / "ops"
    result = ingest([EXAMPLES], pack)
    assert result.exit_code == 0, [(f.relpath, f.diagnostics) for f in result.failed]
    return pack


def test_matches_the_checked_in_expected_pack(example_pack: Path) -> None:
    """The whole generated pack, byte for byte. Regenerate with:
    ``GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 python -P -m voodoo ingest
    examples/legacy_scripts --pack tests/expected/ops`` (after deleting tests/expected/ops;
    the variables hide your git ``user.email``, as conftest.py does, so pack.yaml gets the
    placeholder email), then review the diff like any code change."""
    if os.environ.get("VOODOO_REGENERATE"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(example_pack, EXPECTED, ignore=shutil.ignore_patterns("lock", "cache"))
    got, want = _tree(example_pack), _tree(EXPECTED)
    assert sorted(got) == sorted(want)
    for path in want:
        assert got[path] == want[path], path


def test_second_ingest_writes_nothing_and_is_byte_identical(example_pack: Path,
                                                            tmp_path: Path) -> None:
    before = _tree(example_pack)
    result = ingest([EXAMPLES], example_pack)
    assert result.plan.writes == () and result.plan.deletes == () and not result.plan.conflicts
    assert _tree(example_pack) == before
    # And a fresh pack in another place gives the same bytes.
    other = tmp_path / "ops"
    ingest([EXAMPLES], other)
    assert _tree(other) == before


def test_every_script_is_ingested_and_the_helper_module_is_skipped(example_pack: Path) -> None:
    result = ingest([EXAMPLES], example_pack, dry_run=True)
    status = {f.relpath: f.status for f in result.files}
    assert status.pop("opslib.py") is FileStatus.SKIPPED
    # a library of functions: actions only with functions=True (tests/analyzers)
    assert status.pop("netutils.py") is FileStatus.SKIPPED
    assert set(status.values()) == {FileStatus.INGESTED}
    assert len(status) >= 12
    # opslib is still copied, because backup_files.py imports it.
    assert (example_pack / "actions/scripts/opslib.py").is_file()
    # and PyYAML is required, because cert_expiry.py imports yaml.
    assert "PyYAML" in (example_pack / "requirements.txt").read_text().split()


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("kind", ["action", "pack"])
def test_generated_metadata_validates_against_stackstorm_schemas(example_pack: Path,
                                                                 kind: str) -> None:
    schema = _load(st2_reference(f"{kind}.schema.json"))
    validator = jsonschema.Draft4Validator(schema)
    docs = (sorted((example_pack / "actions").glob("*.yaml")) if kind == "action"
            else [example_pack / "pack.yaml"])
    assert docs
    for doc in docs:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(doc.read_text()))]
        assert errors == [], doc.name


def test_generated_pack_passes_our_own_validator(example_pack: Path) -> None:
    # no email is configured for the examples (conftest hides git's): only that is noted
    assert [(str(p), p.severity.value) for p in validate_pack(example_pack)] == [
        ("pack.yaml:email: is voodoo's placeholder address: set the pack maintainer's email",
         "warning")]


def test_sub_commands_become_one_action_per_leaf_and_aliases_do_not(example_pack: Path) -> None:
    names = {p.stem for p in (example_pack / "actions").glob("*.yaml")}
    assert {"cluster_ctl_node_drain", "cluster_ctl_node_cordon", "cluster_ctl_cluster_status",
            "dns_change_add", "dns_change_delete"} <= names
    assert not names & {"dns_change_rm", "cluster_ctl", "cluster_ctl_node"}


# -- bad input: one file's problem stays that file's ------------------------------------

BAD_FILES = {
    "syntax_error.py": b"import argparse\np = argparse.ArgumentParser(\n",
    "latin1_cookie.py": (b"# -*- coding: latin-1 -*-\nimport argparse\n"
                         b"p = argparse.ArgumentParser(description='caf\xe9')\n"
                         b"p.add_argument('--name')\np.parse_args()\n"),
    "empty.py": b"",
    "notes.txt": b"not python at all\n",
}


def test_bad_files_fail_alone_and_the_rest_is_ingested(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(EXAMPLES, src)
    for name, data in BAD_FILES.items():
        (src / name).write_bytes(data)
    result = ingest([src], tmp_path / "ops")
    status = {f.relpath: f for f in result.files}
    assert status["syntax_error.py"].status is FileStatus.FAILED
    (diag,) = [d for d in status["syntax_error.py"].diagnostics if d.severity == "error"]
    assert diag.line >= 2 and "syntax_error.py" in str(diag)
    assert status["latin1_cookie.py"].status is FileStatus.INGESTED
    meta = yaml.safe_load((tmp_path / "ops/actions/latin1_cookie.yaml").read_text())
    assert meta["description"] == "café"
    assert status["empty.py"].status is FileStatus.SKIPPED
    assert "notes.txt" not in status
    assert result.exit_code == 1
    assert (tmp_path / "ops/actions/deploy_component.yaml").is_file()


def test_a_broken_script_keeps_its_last_good_action(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    good = (EXAMPLES / "restart-service.py").read_bytes()
    (src / "restart-service.py").write_bytes(good)
    ingest([src], tmp_path / "ops")
    action = tmp_path / "ops/actions/restart_service.yaml"
    before = action.read_bytes()
    (src / "restart-service.py").write_bytes(good + b"\ndef broken(:\n")
    result = ingest([src], tmp_path / "ops")
    assert result.exit_code == 1
    assert action.read_bytes() == before
    assert (tmp_path / "ops/actions/restart_service.py").is_file()


# -- nothing voodoo reads is run ------------------------------------------------------------

HOSTILE = """\
import argparse, os, sys, socket
open({marker!r}, "w").write("ran")
def default():
    open({marker!r}, "w").write("ran")
    return os.getpid()
p = argparse.ArgumentParser()
p.add_argument("--n", default=default())
args = p.parse_args()
if {exit_first}:
    sys.exit(3)
while True:
    pass
"""


@pytest.mark.parametrize("exit_first", [True, False], ids=["exits", "loops-forever"])
def test_scripts_are_never_run(tmp_path: Path, exit_first: bool) -> None:
    marker = tmp_path / "marker"
    src = tmp_path / "src"
    src.mkdir()
    (src / "hostile.py").write_text(HOSTILE.format(marker=str(marker), exit_first=exit_first))
    result = ingest([src], tmp_path / "ops")
    assert not marker.exists()
    (outcome,) = result.files
    assert outcome.status is FileStatus.INGESTED
    meta = yaml.safe_load((tmp_path / "ops/actions/hostile.yaml").read_text())
    assert "default" not in meta["parameters"]["n"]  # a call: not known statically
    assert any(d.code == "unknown-default" for d in outcome.diagnostics)


def test_functions_setting_is_not_served_from_a_cache_made_without_it(tmp_path: Path) -> None:
    """The cache of analyses is per setting: turning --functions on re-analyzes modules
    without a command line, and turning it off again removes their actions."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(EXAMPLES / "netutils.py", src)
    pack = tmp_path / "ops"
    plain = ingest([src], pack)
    assert [f.status for f in plain.files] == [FileStatus.SKIPPED]
    with_functions = ingest([src], pack, settings=Settings(functions=True))
    (outcome,) = with_functions.files
    assert outcome.status is FileStatus.INGESTED and outcome.actions
    assert all((pack / "actions" / f"{a}.yaml").is_file() for a in outcome.actions)
    ingest([src], pack)
    assert not any((pack / "actions" / f"{a}.yaml").exists() for a in outcome.actions)
