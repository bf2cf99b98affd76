"""`python -m sponsorwatch …`, the same as the `sponsorwatch` command."""

from __future__ import annotations

import sys

from sponsorwatch.main import main

sys.exit(main())
