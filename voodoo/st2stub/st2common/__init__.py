"""Stand-in for StackStorm's ``st2common`` (only what actions use)."""
