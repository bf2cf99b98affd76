"""Pure codecs for discovery protocols: bytes in, records out (no sockets). Hostile input fails soft as WireError."""

from __future__ import annotations


class WireError(ValueError):
    """A reply could not be decoded: malformed, oversized, hostile (XML bomb) or of the wrong kind."""


MAX_REPLY_BYTES = 64 * 1024  # real SADP/DHIP replies are about 1-2 KB; anything far larger is refused
