"""A stand-in for the parts of StackStorm's ``st2common`` that pack actions import.

This directory (not the package) goes on a python-script action's ``sys.path`` when the real
``st2common`` is not installed, so ``from st2common.runners.base_action import Action`` works.
"""
