"""The pack configuration that feeds scripts' environment variables (``--config-schema``).

Each environment variable a script reads outside its parser defaults (``Script.env_reads``)
becomes a key of the pack's ``config.schema.yaml``; the wrapper exports the key's value
from StackStorm's pack config (``self.config``) as that variable. Pure: no disk access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from voodoo.model import Script
from voodoo.naming import is_secret_name

__all__ = ["CONFIG_SCHEMA_PATH", "config_keys", "config_schema"]

CONFIG_SCHEMA_PATH = "config.schema.yaml"

_NOT_WORD = re.compile(r"\W+", re.ASCII)


def config_keys(scripts: Iterable[Script]) -> dict[str, str]:
    """Environment variable -> its config key: the lower-cased name, made ``^\\w+$``; a
    name that would clash with an earlier variable's key gets ``_2``, ``_3``..."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for variable in sorted({v for s in scripts for v in s.env_reads}):
        base = _NOT_WORD.sub("_", variable.lower()).strip("_") or "env"
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        taken.add(key)
        keys[variable] = key
    return keys


def config_schema(scripts: Iterable[Script]) -> dict[str, object]:
    """``config.schema.yaml`` content: one optional string key per variable, sorted."""
    readers: dict[str, list[str]] = {}
    listed = list(scripts)
    for script in listed:
        for variable in script.env_reads:
            readers.setdefault(variable, []).append(script.path)
    schema: dict[str, object] = {}
    for variable, key in sorted(config_keys(listed).items(), key=lambda kv: kv[1]):
        entry: dict[str, object] = {
            "type": "string",
            "description": f"Environment variable {variable} read by "
            + ", ".join(sorted(readers[variable])),
        }
        if is_secret_name(key):
            entry["secret"] = True
        schema[key] = entry
    return schema
