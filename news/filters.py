"""A feed's include and exclude rules: keywords or regular expressions, on the title,
summary, author or categories of an item.

A moderator's pattern is untrusted input that runs against untrusted titles on the
poller's thread, so regular expressions go through RE2 (``google-re2``), whose matching
time is linear in the text whatever the pattern: ``(a+)+$`` against ten thousand
``a``\\ s costs what any other pattern does. Back-references and look-arounds, the
features that need backtracking, are refused when the rule is saved, with RE2's reason
in one line. Keywords stay whole words matched without regard to case, as before.

No Discord and no storage here: rules come in as text, items as :class:`Fields`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import re2

from news.errors import InputError

FIELDS = ("title", "summary", "author", "categories")
KINDS = ("keyword", "regex")
ACTIONS = ("include", "exclude")
MAX_RULES = 20
MAX_PATTERN_CHARS = 200
# Fields are cut to this before matching: RE2 is linear, but a 2 MB summary still costs
# 2 MB of scanning per rule per poll.
MAX_FIELD_CHARS = 4_000
# RE2's memory budget for one compiled pattern; a pattern whose automaton would need
# more (``(a{1000}){1000}``) is refused when saved rather than on every poll.
MAX_PROGRAM_BYTES = 1 << 20

_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_OPTIONS.log_errors = False  # RE2 would print each refused pattern on stderr
_OPTIONS.max_mem = MAX_PROGRAM_BYTES
_OPTIONS.never_capture = True  # a filter asks "does it match", never "what"


class FilterError(InputError):
    """A rule a moderator typed that cannot be used; ``str()`` says why in one line."""


@dataclass(frozen=True)
class Fields:
    """The parts of a feed item the rules can look at."""

    title: str
    summary: str = ""
    author: str = ""
    categories: tuple[str, ...] = ()

    def get(self, field: str | None) -> str:
        if field is None:  # any field
            return "\n".join(self.get(name) for name in FIELDS)
        value = " | ".join(self.categories) if field == "categories" else getattr(self, field)
        return str(value)[:MAX_FIELD_CHARS]


@dataclass(frozen=True)
class Rule:
    """One rule. ``field`` None means any of the fields."""

    action: str  # include or exclude
    kind: str  # keyword or regex
    pattern: str
    field: str | None = None

    def describe(self) -> str:
        where = f" in {self.field}" if self.field else ""
        shown = f"/{self.pattern}/" if self.kind == "regex" else f'"{self.pattern}"'
        return f"{self.action} {shown}{where}"


@dataclass(frozen=True)
class Verdict:
    """Whether an item is wanted, and if not, the rule that left it out (its index in
    the rules), or None when no include rule matched it."""

    wanted: bool
    rule: int | None = None


def rule(action: str, kind: str, pattern: str, field: str | None = None) -> Rule:
    """A checked rule: every way it can be wrong is one line of :class:`FilterError`."""
    if action not in ACTIONS:
        raise FilterError(f"A rule either includes or excludes, not {action!r}.")
    if kind not in KINDS:
        raise FilterError(f"A rule is a keyword or a regex, not {kind!r}.")
    if field is not None and field not in FIELDS:
        raise FilterError(f"A rule looks at {', '.join(FIELDS)} or any of them, not {field!r}.")
    pattern = " ".join(pattern.split()) if kind == "keyword" else pattern.strip()
    if not pattern:
        raise FilterError("A rule needs a word or a pattern.")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise FilterError(f"A rule's pattern can be at most {MAX_PATTERN_CHARS} characters.")
    made = Rule(action, kind, pattern, field)
    _compiled(made)  # refuse it now, not on every poll
    return made


def _compiled(made: Rule) -> re2._Regexp:
    if made.kind == "keyword":
        # A whole word: RE2's \b is ASCII-only, so the edges are spelled out.
        source = rf"(?:^|[^\pL\pN_]){re2.escape(made.pattern)}(?:[^\pL\pN_]|$)"
    else:
        source = made.pattern
    try:
        return re2.compile(source, _OPTIONS)
    except re2.error as err:
        raise FilterError(f"That pattern can't be used: {_reason(err)}.") from None


def _reason(err: Exception) -> str:
    text = err.args[0] if err.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(str(text).split()) or "RE2 could not read it"
    # RE2 names what it refuses ("invalid escape sequence: \1", "invalid perl operator:
    # (?<"); say why that matters here.
    if "escape" in text or "perl operator" in text:
        text += " (back-references and look-arounds are not supported)"
    return text[:200]


class Filter:
    """Compiled rules, ready for a poll. Includes: an item must match at least one, if
    there are any. Excludes: it must match none."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        if len(rules) > MAX_RULES:
            raise FilterError(f"A feed can have at most {MAX_RULES} rules.")
        self.rules = tuple(rules)
        self._compiled = [(r, _compiled(r)) for r in self.rules]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def verdict(self, item: Fields) -> Verdict:
        includes = [(k, r, p) for k, (r, p) in enumerate(self._compiled) if r.action == "include"]
        if includes and not any(p.search(item.get(r.field)) for _, r, p in includes):
            return Verdict(False)
        for k, (r, p) in enumerate(self._compiled):
            if r.action == "exclude" and p.search(item.get(r.field)):
                return Verdict(False, k)
        return Verdict(True)

    def tally(self, items: Iterable[Fields]) -> tuple[list[Fields], dict[int | None, int]]:
        """The wanted items, and how many each rule left out (None: matched no include)."""
        wanted: list[Fields] = []
        left_out: dict[int | None, int] = {}
        for item in items:
            v = self.verdict(item)
            if v.wanted:
                wanted.append(item)
            else:
                left_out[v.rule] = left_out.get(v.rule, 0) + 1
        return wanted, left_out


_RULE_TEXT = re.compile(
    r"^(?P<field>title|summary|author|categories)\s*:\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL
)


def parse_rules(text: str | None, action: str, kind: str) -> list[Rule]:
    """A moderator's comma-separated keywords, or one regex per line, each optionally
    prefixed by the field it looks at (``title: election``, ``author: ^Jane``)."""
    if not text:
        return []
    parts = text.split(",") if kind == "keyword" else text.splitlines()
    rules: list[Rule] = []
    for part in parts:
        if not part.strip():
            continue
        field = None
        found = _RULE_TEXT.match(part.strip())
        if found:
            field, part = found["field"].lower(), found["rest"]
        rules.append(rule(action, kind, part, field))
    return rules
