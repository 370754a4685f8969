"""Text from an API made safe to store: no control characters, no lone surrogates.

Parquet needs valid UTF-8 (a JSON ``"\\ud800"`` is a lone surrogate, which cannot be encoded), and a
control character in a title or tweet ends up in the Markdown post. Everything else (emoji, RTL
text, combining marks, TeX) is kept as sent.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls but \t \n \r


def clean_text(value: Any, *, keep_lines: bool = False) -> str:
    """``value`` as a string without control characters; whitespace collapsed unless ``keep_lines``."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", str(value)))
    if keep_lines:
        return text
    return " ".join(text.split())
