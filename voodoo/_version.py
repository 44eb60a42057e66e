"""The version of voodoo: in a module that imports nothing, so that any module may use it
without an arrow pointing back up to the package's ``__init__``. pyproject.toml says the
same number (``tests/test_project.py`` checks that they agree)."""

__version__ = "0.1.0"
