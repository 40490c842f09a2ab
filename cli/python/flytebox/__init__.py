"""Flytebox: a local Flyte cluster in one command.

The package carries the native programs (bin/) and the web console
(share/flytebox/console); the console scripts in _exec run them.
"""
