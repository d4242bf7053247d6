"""What a rendered card leaves to Discord's markdown: shared by the card and e2e tests."""

from __future__ import annotations

import re

MARKDOWN = frozenset("*_~`|")


def unescaped_markdown(text: str, markdown: frozenset[str] = MARKDOWN) -> list[str]:
    """Markdown characters in ``text`` not preceded by a backslash, once the bold
    markers the renderer itself puts around whole words are taken out."""
    text = re.sub(r"\*\*[^\W_]+\*\*", "w", text)
    found, escaped = [], False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in markdown:
            found.append(char)
    return found
