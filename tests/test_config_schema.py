"""``--config-schema``: environment variables scripts read become pack config keys, and
the wrapper exports them from StackStorm's pack config (``self.config``)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from tests.fidelity import st2_reference
from voodoo.cli import cli
from voodoo.config import Settings
from voodoo.ingest import ingest
from voodoo.local.launch import st2stub_path
from voodoo.validate import validate_pack

SCRIPT = """\
#!/usr/bin/env python3
\"\"\"Show the settings the script gets from its environment.\"\"\"
import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument("--region", default=os.environ.get("DEFAULT_REGION", "eu"))
args = p.parse_args()
print(json.dumps({"region": args.region, "url": os.environ.get("Vault-Addr"),
                  "password": os.getenv("DB_PASSWORD"), "home": os.environ["HOME"]}))
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "show_env.py").write_text(SCRIPT, encoding="utf-8")
    (folder / "other.py").write_text(
        "import os, sys\nprint(os.environ.get('DB_PASSWORD'), sys.argv[1])\n", encoding="utf-8")
    return folder


def _pack(sources: Path, tmp_path: Path, **kwargs: Any) -> Path:
    pack = tmp_path / "ops"
    assert ingest([sources], pack, **kwargs).exit_code == 0
    return pack


def test_config_schema_lists_every_variable_read(sources: Path, tmp_path: Path) -> None:
    pack = _pack(sources, tmp_path, settings=Settings(config_schema=True))
    schema = yaml.safe_load((pack / "config.schema.yaml").read_text(encoding="utf-8"))
    assert schema == {
        "db_password": {"type": "string", "secret": True,
                        "description": "Environment variable DB_PASSWORD read by other.py, "
                                       "show_env.py"},
        "home": {"type": "string", "description": "Environment variable HOME read by "
                                                  "show_env.py"},
        "vault_addr": {"type": "string", "description": "Environment variable Vault-Addr read "
                                                        "by show_env.py"},
    }  # DEFAULT_REGION is a parser default, not configuration; nothing is required


def test_config_schema_validates(sources: Path, tmp_path: Path) -> None:
    pack = _pack(sources, tmp_path, settings=Settings(config_schema=True))
    # no email is configured here: the placeholder is the only thing noted (a warning)
    assert [(p.field, p.severity.value) for p in validate_pack(pack)] == [("email", "warning")]
    meta = json.loads(st2_reference("config.schema.meta.json").read_text(encoding="utf-8"))
    schema = yaml.safe_load((pack / "config.schema.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(meta).validate(schema)


def test_without_the_option_nothing_changes(sources: Path, tmp_path: Path) -> None:
    pack = _pack(sources, tmp_path)
    assert not (pack / "config.schema.yaml").exists()
    wrapper = (pack / "actions/show_env.py").read_text(encoding="utf-8")
    assert "config_env" not in wrapper and "self.config" not in wrapper


def _action(pack: Path, name: str) -> Any:
    for extra in (str(st2stub_path()), str(pack / "actions/lib")):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    spec = importlib.util.spec_from_file_location(f"{name}_{id(pack)}",
                                                  pack / "actions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (cls,) = [v for v in vars(module).values()
              if isinstance(v, type) and v.__module__ == module.__name__ and hasattr(v, "run")]
    return cls


def test_the_wrapper_exports_the_pack_config(sources: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _pack(sources, tmp_path, settings=Settings(config_schema=True))
    monkeypatch.setenv("DB_PASSWORD", "from-the-environment")
    monkeypatch.setenv("Vault-Addr", "https://env.example")
    config = {"db_password": "s3cret", "vault_addr": None, "home": "/srv/ops"}
    ok, result = _action(pack, "show_env")(config=config).run(region=None)
    assert ok, result
    # the pack config wins over the environment; None leaves the environment's value
    assert result["stdout"] == {"region": "eu", "url": "https://env.example",
                                "password": "s3cret", "home": "/srv/ops"}


def test_missing_config_keys_leave_the_environment(sources: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _pack(sources, tmp_path, settings=Settings(config_schema=True))
    monkeypatch.delenv("DB_PASSWORD", raising=False)
    ok, result = _action(pack, "show_env")(config={}).run(region="us")
    assert ok and result["stdout"]["password"] is None and result["stdout"]["region"] == "us"


def test_cli_option(sources: Path, tmp_path: Path) -> None:
    pack = tmp_path / "ops"
    run = CliRunner().invoke(cli, ["ingest", str(sources), "--pack", str(pack),
                                   "--config-schema"])
    assert run.exit_code == 0, run.output
    assert (pack / "config.schema.yaml").is_file()
