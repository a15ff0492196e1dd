"""Text from users' files, made safe to print: a name is shown, never obeyed.

Column, feature and target names come from data and model files that anyone may have written.
Printed raw, a line break in a name adds a fake row to a table, an escape sequence (ESC ``[2J``)
clears the terminal, and a Unicode bidirectional override (U+202E) shows a name reversed, in a
terminal as in an HTML page. ``printable`` writes each such character as its Python escape
instead, so what is printed is what the file holds, visibly.
"""


def printable(text):
    """``text`` with every non-printable character written as its escape (``\\n``, ``\\x1b``,
    ``\\u202e``): control characters, line and paragraph separators, and format characters such
    as the bidi controls U+202A–U+202E and U+2066–U+2069; printable text is returned as is."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _escape(c):
    """One character as ``\\xhh``, ``\\uhhhh`` or ``\\Uhhhhhhhh`` (``\\n``, ``\\t``, ``\\r``)."""
    return c.encode("unicode_escape", errors="backslashreplace").decode("ascii")


def shortened(text, width):
    """``printable(text)`` of at most ``width`` characters (the last "…" when cut)."""
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"
