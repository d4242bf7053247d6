"""An article as it arrives (:class:`Draft`), and how it becomes one to store
(:func:`prepare`): sanitised once, extracted, cleaned, checked and summarized.

Every way in (a page, a paste, a file, a feed item, an import line) makes a Draft;
:func:`prepare` is CPU-bound and runs in the worker thread (:mod:`bot.app.workers`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from news.domain import AddOutcome, Article, NewArticle
from news.errors import InputError, NewsError
from news.text import MAX_TEXT_CHARS, first_sentence, normalize_ws, sanitize
from news.urls import normalize_url, site_of

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TITLE_CHARS = 300
MIN_BODY_CHARS = 40
NO_TEXT = "There is no article text to store: the body is empty or too short."
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


class TitleFrom(StrEnum):
    """Where a draft without a title takes one from."""

    FIRST_LINE = "first_line"  # pasted text and files: the title is the first line
    FIRST_SENTENCE = "first_sentence"  # JSONL imports: the text has no title line


@dataclass(frozen=True)
class Draft:
    """An article as it arrives, before extraction and cleaning.

    ``title_from`` says where a missing title comes from (see :class:`TitleFrom`).
    ``origin`` says where a bulk import read it (``file:line``): its errors start with it.
    """

    text: str = ""
    html: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    author: str | None = None
    published: date | None = None
    title_from: TitleFrom = TitleFrom.FIRST_LINE
    origin: str | None = None


@dataclass(frozen=True)
class AddResult:
    article: Article
    duplicate: bool


def prepare(
    draft: Draft, guild_id: int | None, added_by: int | None, *, with_summary: bool = True
) -> NewArticle:
    """Extract, clean and summarize a draft (CPU-bound: call it in a worker thread).
    ``with_summary=False`` leaves the summary to be made the first time something shows
    the article (:meth:`bot.app.articles.ArticleCases.summary`)."""
    # Imported here: their patterns take a while to compile, and the commands that only
    # read (show, list, ask) never clean or summarize.
    from news.clean import clean_body, clean_title
    from news.summarize import summarize

    draft = _storable(draft)
    url = article_url(draft.url)
    text, title = draft.text, draft.title
    author, published, source = draft.author, draft.published, draft.source
    if draft.html is not None:
        # Imported here: trafilatura is slow to import, and most CLI commands never extract.
        from news.extract import extract_html

        page = extract_html(draft.html, url)
        text = page.text
        title = title or page.title
        author = author or page.author
        published = published or page.published
        source = source or page.site
    text = normalize_ws(text)
    if not text:
        raise InputError(NO_TEXT)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"That text is too long: the limit is {MAX_TEXT_CHARS:,} characters.")
    made_from_lead = False
    if not title:
        if draft.title_from == TitleFrom.FIRST_SENTENCE:
            # A copy of the lead: news puts the key fact there, so the body keeps it
            # to be searched and quoted.
            title, made_from_lead = first_sentence(text, limit=MAX_TITLE_CHARS), True
        else:
            first, _, rest = text.partition("\n")
            title, text = first, rest
    # Cut before cleaning: the title is untrusted text. The margin leaves room for the
    # site suffixes and spacing that cleaning removes from a real title.
    title = clean_title(title[: 4 * MAX_TITLE_CHARS])[:MAX_TITLE_CHARS].strip()
    body = clean_body(text, None if made_from_lead else title)
    if not title:
        raise InputError("The article needs a title: give one, or put it on the first line.")
    if len(body) < MIN_BODY_CHARS:
        raise InputError(NO_TEXT)
    return NewArticle(
        title=title,
        text=body,
        url=url,
        source=source or site_of(url),
        author=author,
        published=published,
        guild_id=guild_id,
        added_by=added_by,
        summary=tuple(summarize(body, title)) if with_summary else None,
    )


def _storable(draft: Draft) -> Draft:
    """The draft without lone surrogates and NULs in any field. Every source (a page, a
    paste, a file, a feed item, an import line) passes here once, before any other step:
    such a character would otherwise fail the whole write, and with it a batch."""
    fields = ("text", "html", "title", "url", "source", "author")
    clean: dict[str, Any] = {
        k: safe
        for k in fields
        if isinstance(v := getattr(draft, k), str) and (safe := sanitize(v)) is not v
    }
    # sanitize returns the very string when it has nothing to remove (nearly always):
    # the draft is then kept, not copied.
    return dataclasses.replace(draft, **clean) if clean else draft


def article_url(url: str | None) -> str | None:
    """The address to store for an article: an http(s) URL, or None when none was given.

    Checked here, where every draft passes (fetched, pasted, added from a file or
    imported): a ``javascript:`` or ``file:`` address shown as the article's link would
    be a trap for whoever clicks it.
    """
    if url is None or not url.strip():
        return None
    url = url.strip()
    if normalize_url(url) is None:
        scheme, colon, _ = url.partition(":")
        given = f" (this one is {scheme[:20]}:)" if colon and scheme.isalnum() else ""
        raise InputError(f"An article's URL must be an http:// or https:// address{given}.")
    return url


def read_source_file(path: Path, **fields: object) -> Draft:
    """A draft from a .txt/.md (first line is the title) or .html file."""
    if not path.exists():
        raise InputError(f"No such file: {path}.")
    if not path.is_file():
        raise InputError(f"{path} is not a file.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path.name} is larger than the 5 MB limit.")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise InputError(f"{path.name} is a binary file, not text or HTML.")
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text.") from None
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return Draft(html=content, **fields)  # type: ignore[arg-type]
    if suffix in TEXT_SUFFIXES:
        return Draft(text=content, **fields)  # type: ignore[arg-type]
    raise InputError(f"{path.name}: only .txt, .md and .html files can be added.")


def prepare_all(
    drafts: Iterable[Draft], guild_id: int | None, *, with_summary: bool = True
) -> list[NewArticle | NewsError]:
    """Each draft prepared (:func:`prepare`), or the error that refused it (named by its
    ``origin``): a batch's job, in the worker thread or a worker process."""
    out: list[NewArticle | NewsError] = []
    for draft in drafts:
        try:
            out.append(prepare(draft, guild_id, None, with_summary=with_summary))
        except NewsError as err:
            out.append(type(err)(f"{draft.origin}: {err}") if draft.origin else err)
    return out


def add_result(outcome: AddOutcome) -> AddResult:
    """What a caller is told of a store's outcome: the article, and whether it was there."""
    return AddResult(outcome.article, duplicate=not outcome.created)


def parse_date(value: str) -> date:
    """A YYYY-MM-DD date from user input, or an InputError saying the format."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-05-01.") from None
