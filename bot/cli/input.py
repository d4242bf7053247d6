"""What the command line reads from people and files, checked before anything else sees it:
ids, JSON lines (``newsbot import`` and ``ask --batch``), the files and folders an import
names, standard input, and Markdown titles.

Everything here fails as one line. A JSONL file is read in bounded pieces: a line longer
than :data:`MAX_LINE_BYTES` is skipped and reported without ever being held whole, and a
path that is not a regular file (``/dev/zero``, a FIFO) is refused before it is read, so
no input can make a command run out of memory or end in a traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import click

from bot.app.drafts import (
    HTML_SUFFIXES,
    MAX_FILE_BYTES,
    TEXT_SUFFIXES,
    Draft,
    TitleFrom,
    parse_date,
    read_source_file,
)
from news.errors import InputError, NewsError

# SQLite keeps an integer in 8 signed bytes; a bigger one cannot be looked up (it raised
# OverflowError deep in the driver). Discord's snowflakes and our row ids are all positive.
MAX_ID = 2**63 - 1
# A line of a JSONL file may be as big as a file ``newsbot add`` takes: an article's text
# at its limit, even written with \u escapes, fits.
MAX_LINE_BYTES = MAX_FILE_BYTES
_SKIP_CHUNK = 1 << 16  # bytes read at a time while skipping the rest of an overlong line
# More digits than any id or count needs; Python refuses past 4,300 with a ValueError
# deep in the json module, and a number that long is a mistake or an attack.
_MAX_DIGITS = 30


class IdType(click.ParamType):
    """A database id (article, feed, guild): a whole number from 1 to 2**63 - 1."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            # isdigit alone accepts "²" and other digits int() refuses; isascii rules them out.
            if not (text.isascii() and text.isdigit()) or len(text) > 19:
                self._fail(value, param, ctx)
            number = int(text)
        if not 1 <= number <= MAX_ID:
            self._fail(value, param, ctx)
        return number

    def _fail(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> None:
        # A ClickException, not click's BadParameter: one "Error:" line and exit 1, like
        # every other mistake the command line reports, without the usage block.
        name = (
            param.get_error_hint(ctx).replace("'", "").removesuffix("...")
            if param and ctx
            else "An id"
        )
        text = str(value)
        shown = text[:30] + ("…" if len(text) > 30 else "")
        raise click.ClickException(
            f"{name} must be a whole number from 1 to {MAX_ID}; got {shown!r}."
        )


ID = IdType()


def regular_file(path: Path) -> None:
    """Refuse, as an InputError, a path that is not a regular file once links are followed:
    a device such as /dev/zero never ends, and a FIFO may never answer."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}).") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file.")


def bounded_lines(handle: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of a binary file, or None for a line over ``limit`` bytes; such a line
    is skipped in small pieces, so memory stays within ``limit`` whatever the file holds."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit:
            yield line
            continue
        while not line.endswith(b"\n"):
            line = handle.readline(_SKIP_CHUNK)
            if not line:
                break
        yield None


def jsonl_lines(path: Path) -> Iterator[tuple[int, Any | InputError]]:
    """``(line number, value)`` for each line that is not blank, where ``value`` is the
    parsed JSON or an InputError saying what is wrong with the line (not UTF-8, too long,
    nested too deeply, a number out of range, not JSON). Raises InputError when the file
    cannot be read at all."""
    regular_file(path)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}).") from None
    with handle:
        for number, raw in enumerate(bounded_lines(handle), 1):
            if raw is None:
                yield (
                    number,
                    InputError(
                        f"the line is longer than the {MAX_LINE_BYTES // (1024 * 1024)} MB limit."
                    ),
                )
                continue
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors write
            if not raw.strip():
                continue
            try:
                yield number, parse_json_line(raw)
            except InputError as err:
                yield number, err


def count_jsonl_lines(path: Path) -> int:
    """How many lines of ``path`` are not blank (for a progress bar), read as
    :func:`jsonl_lines` reads them; 0 for a file that cannot be read."""
    try:
        regular_file(path)
        with path.open("rb") as handle:
            return sum(1 for raw in bounded_lines(handle) if raw is None or raw.strip())
    except (InputError, OSError):
        return 0


def parse_json_line(raw: bytes) -> Any:
    """One line as JSON, or an InputError with the reason it is not usable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(f"not UTF-8 text (byte {err.start + 1}).") from None
    try:
        return json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON ({err.msg}, column {err.colno}).") from None
    except RecursionError:
        raise InputError("not usable JSON (nested too deeply).") from None
    except _NumberError as err:
        raise InputError(f"not usable JSON ({err}).") from None


class _NumberError(ValueError):
    pass


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_DIGITS:
        raise _NumberError(f"a number with more than {_MAX_DIGITS} digits")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberError(f"the number {text[:20]} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise _NumberError(f"{text} is not a number JSON allows")


def kind(value: object) -> str:
    """How a JSON value reads in an error message: "an array", "a number"..."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else "a string"


def batch_question(item: Any) -> tuple[str, int | None]:
    """A line of ``ask --batch``: its question and pinned article id, or an InputError."""
    if not isinstance(item, dict):
        raise InputError(f'expected a JSON object with a "question" field, got {kind(item)}.')
    question = item.get("question")
    if "question" not in item:
        raise InputError('no "question" field.')
    if not isinstance(question, str) or not question.strip():
        got = "an empty string" if isinstance(question, str) else kind(question)
        raise InputError(f'"question" must be a question, not {got}.')
    pinned = item.get("article_id")
    if pinned is None:
        return question, None
    if isinstance(pinned, str) and pinned.strip().isascii() and pinned.strip().isdigit():
        pinned = int(pinned.strip()) if len(pinned.strip()) <= 19 else -1
    if isinstance(pinned, bool) or not isinstance(pinned, int) or not 1 <= pinned <= MAX_ID:
        raise InputError(f'"article_id" must be a whole number from 1 to {MAX_ID}.')
    return question, pinned


def read_stdin(stream: IO[bytes], limit: int = MAX_FILE_BYTES) -> str:
    """Standard input as text, at most ``limit`` bytes, or an InputError: more than a file
    may hold, or bytes that are not UTF-8."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"Standard input is larger than the {limit // (1024 * 1024)} MB limit.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"Standard input is not UTF-8 text (byte {err.start + 1}).") from None


_MARKDOWN_SUFFIXES = (".md", ".markdown")
_ATX = re.compile(r"#{1,6}[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*")
_SETEXT_RULE = re.compile(r"(?:=+|-+)[ \t]*")


def markdown_title(draft: Draft, path: Path) -> Draft:
    """A Markdown file's draft with its heading as the title: ``# Title`` (or a title
    underlined with ``===``) would otherwise be stored with its marks, as the first line
    of a plain text file is. Other drafts, and drafts given a title, are left alone."""
    if draft.title or path.suffix.lower() not in _MARKDOWN_SUFFIXES:
        return draft
    lines = draft.text.lstrip("\ufeff\r\n").splitlines()
    if not lines:
        return draft
    head = lines[0].strip()
    heading = _ATX.fullmatch(head)
    if heading is not None and heading.group("title").strip():
        return replace(draft, title=heading.group("title").strip(), text="\n".join(lines[1:]))
    if len(lines) > 1 and head and _SETEXT_RULE.fullmatch(lines[1].strip()):
        return replace(draft, title=head, text="\n".join(lines[2:]))
    return draft


# -- newsbot import ------------------------------------------------------------


def jsonl_drafts(path: Path) -> Iterator[Draft | NewsError]:
    try:
        for number, item in jsonl_lines(path):
            origin = f"{path}:{number}"
            try:
                if isinstance(item, InputError):
                    raise item
                yield _jsonl_draft(item, origin)
            except InputError as err:
                yield InputError(f"{origin}: {err}")
    except InputError as err:  # the file as a whole cannot be read
        yield InputError(str(err))


# Optional string fields of an import line; null counts as absent.
_OPTIONAL_FIELDS = ("title", "url", "source", "published")


def _jsonl_draft(item: Any, origin: str) -> Draft:
    """One import line's JSON as a draft, or an InputError saying what is wrong with it."""
    if not isinstance(item, dict):
        raise InputError(f'expected a JSON object with a "text" field, got {kind(item)}.')
    if "text" not in item:
        raise InputError('no "text" field.')
    if not isinstance(item["text"], str):
        raise InputError(f'"text" must be a string, not {kind(item["text"])}.')
    for name in _OPTIONAL_FIELDS:
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(f'"{name}" must be a string, not {kind(value)}.')
    published = _str_or_none(item.get("published"))
    return Draft(
        text=item["text"],
        title=_str_or_none(item.get("title")),
        url=_str_or_none(item.get("url")),
        source=_str_or_none(item.get("source")),
        published=parse_date(published) if published else None,
        title_from=TitleFrom.FIRST_SENTENCE,
        origin=origin,
    )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def expand(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            suffixes = TEXT_SUFFIXES | HTML_SUFFIXES | {".jsonl"}
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in suffixes
            )
        elif path.exists():
            files.append(path)
        else:
            raise click.ClickException(f"No such file or folder: {path}.")
    return files


def drafts(files: list[Path]) -> Iterator[Draft | NewsError]:
    for path in files:
        if path.suffix.lower() == ".jsonl":
            yield from jsonl_drafts(path)
            continue
        try:
            yield markdown_title(read_source_file(path, origin=str(path)), path)
        except NewsError as err:
            yield type(err)(f"{path}: {err}")


def count_items(files: list[Path]) -> int:
    total = 0
    for path in files:
        if path.suffix.lower() == ".jsonl":
            total += count_jsonl_lines(path)
        else:
            total += 1
    return total
