"""The work one lookup request may ask for, in characters the engine will actually see.

The engine matches the folded text (scanner.identify.normalize.fold: NFKC, casefold, marks stripped), and NFKC
can expand one character 18-fold (U+FDFA). So a text is checked twice: its raw length first (which bounds the
folding itself), then its folded length; and the folded characters of all texts of a request share one cap, so a
request costs at most LOOKUP_MAX_TOTAL characters of matching whatever its shape. The API and the dashboard's
lookup page use the same budget.
"""

from __future__ import annotations

from typing import Any

from scanner.identify.normalize import fold


class TooMuch(Exception):
    """A text or a request over its bound: code is text_too_long or batch_too_large."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class Budget:
    """Checks texts one by one against the per-text and the per-request limits (from the app's config)."""

    def __init__(self, config: Any) -> None:
        self.max_text = int(config["LOOKUP_MAX_TEXT"])
        self.max_total = int(config["LOOKUP_MAX_TOTAL"])
        self.used = 0

    def take(self, text: str, where: str) -> str:
        if len(text) > self.max_text:
            raise TooMuch("text_too_long", f"{where} is longer than {self.max_text:,} characters")
        folded = len(fold(text))
        if folded > self.max_text:
            raise TooMuch("text_too_long", f"{where} is longer than {self.max_text:,} characters once folded "
                                           f"(NFKC, case): {folded:,}")
        self.used += folded
        if self.used > self.max_total:
            raise TooMuch("batch_too_large", f"the texts of one request are limited to {self.max_total:,} "
                                             "characters (folded) in all")
        return text
