"""The sponsorwatch agent library: knowledge base, identification, wire codecs, discovery, scan sessions, the
local inventory, upload, removal plans and the simulated device lab. Never imports the server or Flask."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sponsorwatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
