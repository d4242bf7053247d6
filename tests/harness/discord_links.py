"""A model of how Discord finds masked links in a message, for tests of hostile text.

Left to right: a backslash escapes the next punctuation character, and at an unescaped
``[`` the link rule is tried. Its regex, like the one in Discord's markdown parser,
ignores backslashes inside the link text and allows a ``]`` there when another ``]``
follows, so a backslash before a ``]`` in link text protects nothing.
"""

from __future__ import annotations

import re

_LINK = re.compile(
    r"\[((?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*)\]"
    r"\(\s*<?((?:\([^)]*\)|[^\s\\])*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*\)"
)


def masked_links(text: str) -> list[tuple[str, str]]:
    """(text, target) of every masked link Discord would render in ``text``."""
    links, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
            i += 2
            continue
        if char == "[" and (match := _LINK.match(text, i)):
            links.append((match.group(1), match.group(2)))
            i = match.end()
            continue
        i += 1
    return links
