"""`python -m scanner.knowledge check|stats|ouis|export`: kept as an alias of `sponsorwatch kb …`."""

from __future__ import annotations

import sys

from sponsorwatch.main import main

sys.exit(main(["kb", *sys.argv[1:]]))
