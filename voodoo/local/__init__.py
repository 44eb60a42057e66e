"""The local StackStorm emulator behind ``voodoo run``, ``history``, ``show`` and ``actions``.

It runs any pack's actions the way StackStorm would, without StackStorm. Nothing of the
ingest pipeline imports it (``voodoo.cli`` loads its commands lazily, ``voodoo.run_action``
and ``voodoo.Execution`` are re-exported lazily); it uses only the shared ``errors``,
``runners`` (StackStorm's runner table, which ``validate`` reads too), ``_paths`` and
``config``.

- ``execute``: the library API (``run_action``, ``history``) and the run log;
- ``commands``: the click commands (``voodoo run``, ``history``, ``show``, ``actions``);
- ``action``: one action's metadata merged with its runner's parameters, and the pack config;
- ``params``: ``name=value`` words to the values a runner receives;
- ``templates``: the part of StackStorm's Jinja parameter rendering voodoo reproduces;
- ``launch``: the three local runners, each starting the action's process;
- ``shell_args``: how local-shell-script builds its command line;
- ``python_child``: the child process of a python-script action (StackStorm's wrapper);
- ``st2stub/``: package data, a stand-in ``st2common`` put on the child's ``sys.path``.
"""
