"""Stand-in for StackStorm's ``st2common`` (only what python-script actions import)."""
