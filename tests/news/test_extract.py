"""Tests for news.extract: fields out of real-looking pages, one error for junk."""

from __future__ import annotations

import datetime
import os
import random

import pytest

from news import extract as extract_module
from news.clean import clean_body
from news.errors import ExtractionError
from news.extract import Extracted, extract_html

PARAGRAPHS = [
    "The council of Port Alder voted seven to two on Tuesday to rebuild the old lighthouse "
    "on the northern breakwater, ending a debate that has run for more than a decade.",
    "Work is expected to start in the spring and to cost about 1.2 million euros, most of it "
    "from a regional heritage fund and the rest from harbour fees.",
    "“We have waited long enough,” said councillor Ola Winter after the vote, adding that the "
    "light would be working again before the summer of next year.",
    "Opponents argued the money should go to the ferry pier instead, which has been closed "
    "twice this winter because of storm damage.",
]


def _page(*, head: str = "", body: str | None = None) -> str:
    if body is None:
        body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{head}</head><body>
<header><nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport</a>
<a href="/weather">Weather</a></nav></header>
<main><article><h1>Harbour town votes to rebuild its lighthouse</h1>
{body}
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Ferry fares rise</a></li>
<li><a href="/b">Storm closes the pier</a></li></ul></aside>
<footer><p>© 2023 The Coastal Gazette. All rights reserved.</p>
<p>Subscribe to our newsletter for the news from the coast every morning.</p></footer>
</body></html>"""


ARTICLE_HEAD = """
<title>Harbour town votes to rebuild its lighthouse | The Coastal Gazette</title>
<meta name="author" content="Nia Brandt">
<meta property="article:published_time" content="2023-04-18T09:30:00+00:00">
<meta property="og:site_name" content="The Coastal Gazette">
"""


def test_article_fields_extracted() -> None:
    url = "https://www.gazette.example/local/lighthouse"
    result = extract_html(_page(head=ARTICLE_HEAD), url=url)
    assert isinstance(result, Extracted)
    assert result.title is not None
    assert result.title.startswith("Harbour town votes to rebuild its lighthouse")
    assert result.author == "Nia Brandt"
    assert result.published == datetime.date(2023, 4, 18)
    assert result.site == "The Coastal Gazette"
    assert result.url == url
    for paragraph in PARAGRAPHS:
        assert paragraph in result.text
    for junk in ("Weather", "Most read", "Ferry fares rise", "All rights reserved", "newsletter"):
        assert junk not in result.text


def test_extracted_text_cleans_to_the_paragraphs() -> None:
    result = extract_html(_page(head=ARTICLE_HEAD))
    assert clean_body(result.text, title=result.title).split("\n\n") == PARAGRAPHS


def test_site_falls_back_to_host_without_www() -> None:
    head = "<title>Harbour town votes to rebuild its lighthouse</title>"
    result = extract_html(_page(head=head), url="https://www.gazette.example/a/b")
    assert result.site == "gazette.example"
    assert result.author is None
    assert result.published is None


def test_no_url_and_no_metadata_gives_none_fields() -> None:
    result = extract_html(_page())
    assert result.url is None
    assert result.author is None
    assert result.published is None
    assert PARAGRAPHS[0] in result.text


def test_entities_and_charset_text_survive() -> None:
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS) + (
        "<p>The mayor, Zoë Ærøskøbing-Ñúñez, said the café &amp; museum would stay open "
        "while the works go on.</p>"
    )
    result = extract_html(_page(head=ARTICLE_HEAD, body=body))
    assert "Zoë Ærøskøbing-Ñúñez" in result.text
    assert "café & museum" in result.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "just some words",
        "<html><head><title>Log in</title></head><body><nav>Home</nav></body></html>",
        _page(body="<p>Please enable JavaScript to read this page.</p>"),
        _page(body="<p>We use cookies. Accept them to continue.</p>"),
    ],
)
def test_page_without_article_text_raises(html: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract_html(html, url="https://gazette.example/x")
    assert str(info.value)


@pytest.mark.parametrize("decode", ["latin-1", "utf-8"])
def test_binary_garbage_raises_extraction_error(decode: str) -> None:
    junk = os.urandom(200_000).decode(decode, errors="replace")
    with pytest.raises(ExtractionError):
        extract_html(junk)


def test_binary_garbage_inside_html_raises_extraction_error() -> None:
    rng = random.Random(7)
    junk = bytes(rng.randrange(256) for _ in range(50_000)).decode("latin-1")
    with pytest.raises(ExtractionError):
        extract_html(f"<html><body><p>{junk}</p></body></html>")


def test_stray_nul_bytes_do_not_break_a_real_page() -> None:
    html = _page(head=ARTICLE_HEAD).replace("<main>", "<main>\x00\x00")
    result = extract_html(html)
    assert PARAGRAPHS[1] in result.text


def test_non_string_input_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_html(b"<html></html>")  # type: ignore[arg-type]


def test_too_large_input_raises_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        extract_html("<p>" + "x" * extract_module.MAX_HTML_CHARS + "</p>")


def test_huge_page_uses_paragraph_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    # Lower the tag limit so a modest page takes the fast path quickly.
    monkeypatch.setattr(extract_module, "MAX_TRAFILATURA_TAGS", 20)
    body = "\n".join(f"<div><p>{p}</p></div>" for p in PARAGRAPHS * 5)
    result = extract_html(_page(head=ARTICLE_HEAD, body=body))
    assert result.title is not None
    assert result.title.startswith("Harbour town")
    assert result.author == "Nia Brandt"
    assert PARAGRAPHS[2] in result.text
    assert "newsletter" not in result.text  # <footer> paragraphs are skipped


def test_paragraph_fallback_when_trafilatura_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", lambda *a, **k: None)
    result = extract_html(_page(head=ARTICLE_HEAD), url="https://gazette.example/x")
    assert result.text.split("\n") == PARAGRAPHS
    assert result.author == "Nia Brandt"


def test_parser_failure_is_wrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser bug")

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", explode)
    with pytest.raises(ExtractionError):
        extract_html(_page(head=ARTICLE_HEAD))


def test_unclosed_and_nested_markup_is_read() -> None:
    body = "".join(f"<div><span><p>{p}" for p in PARAGRAPHS)  # nothing closed
    result = extract_html(_page(head=ARTICLE_HEAD, body=body))
    assert PARAGRAPHS[3] in result.text
