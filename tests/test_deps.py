from __future__ import annotations

from pathlib import Path

import pytest

from voodoo.deps import (
    DISTRIBUTIONS,
    SAME_NAME,
    SKIPPED,
    Resolved,
    _canonical,
    _is_stdlib,
    discover,
    imports_in,
    installed_distributions,
    mapping,
    requirements_txt,
    resolve,
    skipped,
    third_party,
    unknown_imports,
)
from voodoo.errors import ParseError


def local_modules(script: Path, imports: list[str], root: Path, **kw: object) -> list[Path]:
    """The local modules ``discover`` finds (a list, as the tests compare)."""
    return list(discover(script, imports, root, **kw).local)  # type: ignore[arg-type]


def make(root: Path, files: dict[str, str]) -> None:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rel(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


# --- imports_in -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os, sys\n", ["os", "sys"]),
        ("import a.b.c as x\n", ["a.b.c"]),
        ("from a.b import c, d\n", ["a.b"]),
        ("from . import b, c\n", [".b", ".c"]),
        ("from .c import d\n", [".c"]),
        ("from ..pkg.m import *\n", ["..pkg.m"]),
        ("from . import *\n", ["."]),
        ("def f():\n    import inner\n", ["inner"]),
        ("try:\n    import json\nexcept ImportError:\n    import simplejson\n",
         ["json", "simplejson"]),
        ("import os\nimport os\n", ["os"]),
        ("x = 'import notme'\n# import norme\n", []),
    ],
    ids=["plain", "dotted", "from", "relative-names", "relative-module", "parent-star",
         "dot-star", "nested", "try", "once", "strings-and-comments"],
)  # fmt: skip
def test_imports_in(tmp_path: Path, source: str, expected: list[str]) -> None:
    (tmp_path / "m.py").write_text(source)
    assert imports_in(tmp_path / "m.py") == expected


def test_imports_in_reports_files_it_cannot_parse(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("print 'python 2' +\n")  # neither Python 3 nor 2
    with pytest.raises(ParseError, match=r"m\.py"):
        imports_in(tmp_path / "m.py")


# --- local_modules --------------------------------------------------------------------


def test_module_next_to_the_script(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "helpers.py": "", "other.py": ""})
    found = local_modules(tmp_path / "tool.py", ["helpers", "requests", "os"], tmp_path)
    assert rel(found, tmp_path) == ["helpers.py"]  # not other.py, nothing for requests/os


def test_package_is_taken_whole(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "tool.py": "",
            "lib/__init__.py": "",
            "lib/a.py": "",
            "lib/sub/__init__.py": "",
            "lib/sub/b.py": "",
            "lib/data.json": "{}",
            "lib/__pycache__/a.cpython-311.py": "",
            "lib.py": "",  # a package beats a module of the same name
        },
    )
    found = local_modules(tmp_path / "tool.py", ["lib.a"], tmp_path)
    assert rel(found, tmp_path) == [
        "lib/__init__.py",
        "lib/a.py",
        "lib/sub/__init__.py",
        "lib/sub/b.py",
    ]


def test_namespace_package(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "ns/m.py": "", "empty/README": ""})
    found = local_modules(tmp_path / "tool.py", ["ns.m", "empty"], tmp_path)
    assert rel(found, tmp_path) == ["ns/m.py"]


def test_imports_of_local_modules_are_followed(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "ops/tool.py": "import helpers\n",
            "ops/helpers.py": "import db\nimport yaml\n",
            "ops/db.py": "from config import settings\nimport helpers\n",  # a cycle
            "ops/config/__init__.py": "",
            "ops/config/settings.py": "",
            "ops/unused.py": "",
        },
    )
    found = local_modules(tmp_path / "ops/tool.py", ["helpers"], tmp_path)
    assert rel(found, tmp_path) == [
        "ops/config/__init__.py",
        "ops/config/settings.py",
        "ops/db.py",
        "ops/helpers.py",
    ]


def test_relative_imports_stay_inside_their_package(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "tool.py": "",
            "pkg/__init__.py": "from .core import run\n",
            "pkg/core.py": "from . import util\nfrom .util import x\nimport shared\n",
            "pkg/util.py": "",
            "core.py": "",  # not what ``from .core`` means
            "util.py": "",
            "shared.py": "",  # an absolute import from the package: the script's folder
        },
    )
    found = local_modules(tmp_path / "tool.py", ["pkg"], tmp_path)
    assert rel(found, tmp_path) == ["pkg/__init__.py", "pkg/core.py", "pkg/util.py", "shared.py"]


def test_local_module_shadowing_the_stdlib_is_local(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "logging.py": "", "os.py": "", "sys.py": ""})
    deps = discover(tmp_path / "tool.py", ["logging", "os", "sys"], tmp_path)
    # Python imports os and sys before it looks at the script's folder: those are not used
    assert rel(list(deps.local), tmp_path) == ["logging.py"]
    assert deps.local_names == ("logging",)
    assert deps.third_party == ()


def test_script_importing_itself_is_not_copied_twice(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "import tool\n"})
    assert local_modules(tmp_path / "tool.py", ["tool"], tmp_path) == []


def test_symlinks_out_of_the_source_root_are_not_followed(tmp_path: Path) -> None:
    src, outside = tmp_path / "src", tmp_path / "outside"
    make(outside, {"secret.py": "", "pkg/__init__.py": ""})
    make(src, {"tool.py": ""})
    (src / "secret.py").symlink_to(outside / "secret.py")
    (src / "pkg").symlink_to(outside / "pkg")
    deps = discover(src / "tool.py", ["secret", "pkg"], src)
    assert deps.local == ()
    assert deps.local_names == ("pkg", "secret")  # still local: not a requirement
    assert deps.third_party == ()
    assert len(deps.notes) == 2
    assert all("outside the source root" in note for note in deps.notes)


def test_unparsable_local_module_is_copied_with_a_note(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "old.py": "print 'py2' +\n"})  # not even Python 2
    deps = discover(tmp_path / "tool.py", ["old"], tmp_path)
    assert rel(list(deps.local), tmp_path) == ["old.py"]
    assert "its own imports are not followed" in deps.notes[0]


def test_imports_of_is_pluggable(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "a.py": "", "b.py": ""})
    calls: list[str] = []

    def imports_of(path: Path) -> list[str]:
        calls.append(path.name)
        return ["b"] if path.name == "a.py" else []

    assert rel(local_modules(tmp_path / "tool.py", ["a"], tmp_path, imports_of=imports_of),
               tmp_path) == ["a.py", "b.py"]  # fmt: skip
    assert calls == ["a.py", "b.py"]


def test_discover_collects_third_party_imports_of_local_modules(tmp_path: Path) -> None:
    make(tmp_path, {"tool.py": "", "helpers.py": "import yaml\nimport urllib2\nimport google\n"})
    deps = discover(tmp_path / "tool.py", ["helpers", "requests", "argparse"], tmp_path)
    assert deps.third_party == ("PyYAML", "requests")
    assert deps.notes == ("google: " + skipped(["google"], [])["google"],)


# --- third_party ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("yaml", "PyYAML"),
        ("MySQLdb", "mysqlclient"),
        ("psycopg2", "psycopg2"),
        ("ldap", "python-ldap"),
        ("dateutil", "python-dateutil"),
        ("bs4", "beautifulsoup4"),
        ("PIL", "Pillow"),
        ("sklearn", "scikit-learn"),
        ("cv2", "opencv-python"),
        ("Crypto", "pycryptodome"),
        ("OpenSSL", "pyOpenSSL"),
        ("jwt", "PyJWT"),
        ("dns", "dnspython"),
        ("magic", "python-magic"),
        ("serial", "pyserial"),
        ("usb", "pyusb"),
        ("requests", "requests"),
        ("paramiko", "paramiko"),
        # names from a real repository that were written as import names (issue 16)
        ("libcloud", "apache-libcloud"),
        ("novaclient", "python-novaclient"),
        ("keystoneclient", "python-keystoneclient"),
        ("elftools", "pyelftools"),
        ("ovirtsdk4", "ovirt-engine-sdk-python"),
    ],
)
def test_distribution_names(name: str, distribution: str) -> None:
    assert third_party([name, f"{name}.sub"], []) == [distribution]
    assert resolve(name) == Resolved(name, distribution, "curated")


def test_curated_table_agrees_with_what_is_installed_here() -> None:
    """Every curated row installed in this environment names the distribution that really
    provides the module; and no row is a standard module or a skipped name."""
    installed = installed_distributions()
    rows = {**DISTRIBUTIONS, **{name: name for name in SAME_NAME}}
    checked = 0
    for name, distribution in rows.items():
        assert not _is_stdlib(name) and name not in SKIPPED, name
        assert requirements_txt([distribution])  # a valid distribution name
        providers = {_canonical(d) for d in installed.get(name, ())}
        if name == "docopt":
            # voodoo itself runs on docopt-ng, a drop-in that also provides ``docopt``; the
            # row keeps docopt, the distribution the scripts were written against
            continue
        if providers:
            assert _canonical(distribution) in providers, (name, providers)
            checked += 1
    assert checked >= 5  # PyYAML, click, rich, jsonschema, typer... are installed for voodoo


def test_installed_distribution_is_known_through_the_environment() -> None:
    # libcst is not in the curated table; voodoo runs with it installed
    assert "libcst" not in DISTRIBUTIONS and "libcst" not in SAME_NAME
    assert resolve("libcst") == Resolved("libcst", "libcst", "installed")
    assert third_party(["libcst.matchers"], []) == ["libcst"]


def test_unknown_import_is_never_guessed() -> None:
    assert resolve("no_such_module_anywhere") == Resolved(
        "no_such_module_anywhere", None, "unknown")
    assert third_party(["no_such_module_anywhere", "yaml"], []) == ["PyYAML"]
    assert unknown_imports(["no_such_module_anywhere", "yaml", "os"], []) == [
        "no_such_module_anywhere"]
    assert resolve("_private").how == "unknown"


def test_requirements_txt_lists_unknown_imports_as_comments() -> None:
    text = requirements_txt(["PyYAML"], [("zzz", "b.py:3"), ("libfoo", "a.py:7"),
                                         ("zzz", "a.py:1")])
    assert text == (
        "PyYAML\n"
        "# unknown distribution, add it by hand: libfoo (imported at a.py:7)\n"
        "# unknown distribution, add it by hand: zzz (imported at a.py:1)\n"
    )
    # a file name cannot start a new requirement line
    assert requirements_txt([], [("x", "a\n--index-url=http://evil:1")]).count("\n") == 1


def test_discover_knows_local_installed_curated_and_unknown(tmp_path: Path) -> None:
    make(tmp_path, {
        "oschecks/__init__.py": "",  # the repository's own package, at its root
        "scripts/check.py": "import os\nimport oschecks.disk\nimport libcloud\n"
                            "import libcst\nimport helpers\n",
        "scripts/helpers.py": "\n\nimport mystery_lib.sub\n",
    })  # fmt: skip
    script = tmp_path / "scripts" / "check.py"
    deps = discover(script, imports_in(script), tmp_path)
    assert deps.third_party == ("apache-libcloud", "libcst")
    assert "oschecks" in deps.local_names and "helpers" in deps.local_names
    assert deps.unknown == (("mystery_lib", "scripts/helpers.py:3"),)
    assert [r.how for r in mapping(imports_in(script), deps.local_names)] == [
        "stdlib", "local", "curated", "installed", "local"]


@pytest.mark.parametrize(
    "name",
    [
        "os", "sys", "json", "argparse", "__future__", "xml.etree", "distutils", "telnetlib",
        "ConfigParser", "urllib2", "StringIO", "cStringIO", "cPickle", "Queue", "commands",
        "httplib", "urlparse", "SocketServer", "HTMLParser", "xmlrpclib", "Tkinter",
        ".relative", "",
    ],
)  # fmt: skip
def test_standard_modules_are_not_third_party(name: str) -> None:
    assert third_party([name], []) == []


@pytest.mark.parametrize("name", ["google", "azure", "slack", "apt", "st2common"])
def test_ambiguous_or_non_pypi_names_are_skipped_with_a_reason(name: str) -> None:
    assert third_party([f"{name}.x"], []) == []
    assert list(skipped([f"{name}.x"], [])) == [name]


def test_local_names_are_not_third_party() -> None:
    assert third_party(["helpers", "yaml", "requests"], ["helpers", "yaml"]) == ["requests"]


def test_third_party_is_sorted_and_unique() -> None:
    names = ["zmq", "yaml", "requests", "yaml.loader", "bson", "gridfs", "Crypto"]
    assert third_party(names, []) == ["pycryptodome", "pymongo", "PyYAML", "pyzmq", "requests"]
    assert third_party(reversed(names), []) == third_party(names, [])


def test_requirements_txt() -> None:
    text = requirements_txt(["requests", "PyYAML", "pyyaml", "python_dateutil", "Pillow"])
    assert text == "Pillow\npython_dateutil\nPyYAML\nrequests\n"
    assert requirements_txt([]) == ""
    with pytest.raises(ValueError, match="not a distribution name"):
        requirements_txt(["evil\n--index-url http://x"])
