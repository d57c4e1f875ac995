"""Error messages for the user: one line, of bounded length, whatever text they quote.

A message often quotes what a file holds (a name, a value, a parser's complaint); a hostile or
broken file can make that text a megabyte long, span many lines or hold control characters.
``one_line`` turns any such text into one printable line of at most ``limit`` characters, keeping
its start and its end (where parsers put the position), so every refusal reads the same in a
terminal, a log and a dialog.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` as one printable line of at most ``limit`` characters: line breaks and runs of
    white space become one space, other control characters and lone surrogates are escaped
    (``\\x1b``), and a text that is still too long keeps its start and end around " … "."""
    if limit < 9:
        raise ValueError("limit must be at least 9 characters")
    text = str(text)
    if len(text) > 4 * limit:  # escaping can only lengthen it: cut first, so a 1 GB text costs nothing
        keep = 2 * limit
        text = text[:keep] + " … " + text[-keep:]
    text = _SPACES.sub(" ", text).strip()
    text = _CONTROL.sub(lambda m: _escape(m.group()), text)
    text = _SURROGATE.sub(lambda m: _escape(m.group()), text)
    if len(text) <= limit:
        return text
    head = (limit - 3) * 2 // 3
    tail = limit - 3 - head
    return text[:head] + " … " + text[-tail:]


def quoted(text: object, limit: int = 60) -> str:
    """Untrusted text to quote inside a message: shortened to ``limit`` characters, one line, in
    quotes (``repr`` style, so an empty or odd value is visible)."""
    return repr(one_line(text, max(limit, 9)))
