import pytest

from voodoo.model import Command, Severity
from voodoo.naming import (
    action_name,
    is_secret_name,
    normalize,
    param_name,
    resolve_clashes,
    runner_rename,
)


@pytest.mark.parametrize(
    ("stem", "words", "expected"),
    [
        ("cluster_ctl", ("node", "drain"), "cluster_ctl_node_drain"),
        ("Cluster-Ctl", (), "cluster_ctl"),
        ("__weird..name__", ("Sub Cmd",), "weird_name_sub_cmd"),
        ("backup.v2", ("re-sync",), "backup_v2_re_sync"),
        ("---", (), "script"),
    ],
)
def test_action_name(stem: str, words: tuple[str, ...], expected: str) -> None:
    assert action_name(stem, words) == expected
    assert normalize(expected) == expected


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("dry-run", ("dry_run", False)),
        ("name", ("name", False)),
        ("a.b", ("a_b", True)),
        ("café", ("caf_", True)),
    ],
)
def test_param_name(dest: str, expected: tuple[str, bool]) -> None:
    assert param_name(dest) == expected


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("timeout", set(), "script_timeout"),
        ("debug", set(), "script_debug"),
        ("env", {"script_env"}, "script_script_env"),
        ("log_level", set(), "script_log_level"),
        ("content_version", set(), "script_content_version"),
        ("cwd", set(), "cwd"),  # not a python-script runner parameter
        ("timeouts", set(), "timeouts"),
    ],
)
def test_runner_rename(name: str, taken: set[str], expected: str) -> None:
    assert runner_rename(name, taken) == expected


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("db_password", True),
        ("passwd", True),
        ("client_secret", True),
        ("auth_token", True),
        ("api_key", True),
        ("my_api_key_file", True),
        ("apikey", True),
        ("ssh_private_key", True),
        ("credentials", True),
        ("DB_PASSWORD", True),
        ("tokenizer", False),
        ("secretary", False),
        ("keyboard", False),
        ("api", False),
        ("key", False),
        ("private", False),
        ("passwords_policy", False),
    ],
)
def test_is_secret_name(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


def test_resolve_clashes() -> None:
    renames, diagnostics = resolve_clashes(
        [
            ("ops/backup.py", Command("backup")),
            ("db/backup.py", Command("backup")),
            ("db/restore.py", Command("restore")),
        ]
    )
    assert renames == {
        ("ops/backup.py", "backup"): "ops_backup",
        ("db/backup.py", "backup"): "db_backup",
    }
    assert [(d.path, d.severity, d.code) for d in diagnostics] == [
        ("ops/backup.py", Severity.INFO, "action-renamed"),
        ("db/backup.py", Severity.INFO, "action-renamed"),
    ]


def test_resolve_clashes_deeper_and_same_folder() -> None:
    renames, _ = resolve_clashes(
        [
            ("a/x/run.py", Command("run")),
            ("b/x/run.py", Command("run")),
            ("ops/a-b.py", Command("a_b")),
            ("ops/a_b.py", Command("a_b")),
        ]
    )
    assert renames == {
        ("a/x/run.py", "run"): "a_x_run",
        ("b/x/run.py", "run"): "b_x_run",
        ("ops/a-b.py", "a_b"): "ops_a_b",
        ("ops/a_b.py", "a_b"): "ops_a_b_2",
    }


def test_two_commands_of_one_script_with_one_name_get_two_names() -> None:
    renames, notes = resolve_clashes([("a.py", Command("a")), ("a.py", Command("a"))])
    assert renames == {("a.py", "a"): "a_2"}
    assert [n.message for n in notes] == [
        "action 'a' renamed to 'a_2': another command of this script has the same action name"]
