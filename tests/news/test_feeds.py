"""news.feed_parse and news.feed_fetch: formats, discovery, and hostile feeds (fixtures written here)."""

from __future__ import annotations

import json
import resource
import time
from datetime import UTC, datetime

import pytest

from news.errors import FetchError
from news.feed_fetch import discover, fetch_feed, looks_like_feed
from news.feed_parse import FeedError, matches, parse_feed
from tests.harness.feed_site import feed_site, rfc822, rss, rss_item

NOW = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)


def test_rss2_items_newest_first_with_keys_and_plain_titles():
    body = rss(
        [
            rss_item("http://coast.example/a", "Old story", guid="a", date=rfc822(2)),
            rss_item(
                "http://coast.example/b",
                "<b>Bold</b> &amp; new",
                guid="b",
                date=rfc822(9),
                desc="<p>Ferry <script>alert(1)</script>back</p>",
            ),
        ]
    )
    feed = parse_feed(body, url="http://coast.example/feed", now=NOW)
    assert feed.kind == "rss" and feed.title == "Coast Gazette" and feed.total == 2
    newest, oldest = feed.items
    assert newest.title == "Bold & new"  # tags dropped, entities decoded: escaped by render
    assert newest.summary == "Ferry back"  # script content dropped
    assert newest.keys == ("id:b", "url:https://coast.example/b")
    assert newest.published == datetime(2025, 6, 9, 9, tzinfo=UTC)
    assert oldest.title == "Old story"


def test_rss1_rdf_and_rss_091():
    rdf = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://c.example/"><title>RDF news</title>
      <link>http://c.example/</link></channel>
      <item rdf:about="http://c.example/1"><title>One</title><link>http://c.example/1</link></item>
      </rdf:RDF>"""
    feed = parse_feed(rdf, now=NOW)
    assert feed.title == "RDF news" and [i.link for i in feed.items] == ["http://c.example/1"]
    old = b'<rss version="0.91"><channel><title>Old</title><item><title>T</title><link>http://o.example/t</link></item></channel></rss>'
    assert parse_feed(old, now=NOW).items[0].title == "T"


def test_atom_entry_id_link_author_and_content():
    atom = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
      <title>Atom desk</title><link href="http://a.example/"/>
      <entry><id>tag:a.example,2025:1</id><title type="html">&lt;i&gt;Tide&lt;/i&gt; tables</title>
      <link rel="alternate" href="http://a.example/tide"/><updated>2025-06-10T08:00:00Z</updated>
      <author><name>R. Quill</name></author><content type="html">&lt;p&gt;Full text&lt;/p&gt;</content></entry>
      </feed>"""
    feed = parse_feed(atom, now=NOW)
    item = feed.items[0]
    assert feed.kind == "atom" and feed.title == "Atom desk"
    assert item.title == "Tide tables" and item.author == "R. Quill"
    assert item.keys[0] == "id:tag:a.example,2025:1" and item.content == "Full text"


def test_json_feed_by_hand():
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "JSON desk",
            "home_page_url": "http://j.example/",
            "authors": [{"name": "Desk"}],
            "items": [
                {
                    "id": 7,
                    "url": "http://j.example/7",
                    "title": "Seven",
                    "content_html": "<p>Body</p>",
                    "date_published": "2025-06-01T10:00:00Z",
                },
                {"id": "8", "url": "javascript:alert(1)", "title": "Trap"},
                "not an item",
            ],
        }
    ).encode()
    feed = parse_feed(body, content_type="application/feed+json", now=NOW)
    assert (
        feed.kind == "json" and feed.title == "JSON desk" and feed.site_url == "http://j.example/"
    )
    (item,) = feed.items
    assert item.keys[0] == "id:7" and item.author == "Desk" and item.content == "Body"
    assert [r.reason for r in feed.refused] == ["its link is not an http(s) address"]
    with pytest.raises(FeedError):
        parse_feed(b'{"version": "1", "items": []}', now=NOW)
    with pytest.raises(FeedError):
        parse_feed(b"{" * 100_000, now=NOW)  # deep nesting: refused, not a RecursionError


def test_not_a_feed():
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>hello</body></html>", now=NOW)
    assert not looks_like_feed(b"<!DOCTYPE html><html>", "text/html")
    assert looks_like_feed(b"<?xml version='1.0'?><rss>", None)


def test_discovery_finds_alternates_and_offers_all():
    html = """<html><head><base href="http://site.example/news/">
      <link rel="alternate" type="application/rss+xml" title="Top &amp; more" href="rss.xml">
      <link rel="alternate" type="application/atom+xml" href="http://site.example/atom">
      <link rel="alternate" type="application/feed+json" href="/feed.json">
      <link rel="alternate" type="application/rss+xml" href="rss.xml">
      <link rel="alternate" type="text/html" href="/fr/">
      <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
      </head></html>"""
    links = discover(html, "http://site.example/page")
    assert [(link.url, link.kind) for link in links] == [
        ("http://site.example/news/rss.xml", "rss"),
        ("http://site.example/atom", "atom"),
        ("http://site.example/feed.json", "json"),
    ]
    assert links[0].title == "Top & more"


def test_billion_laughs_does_not_expand():
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 12))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{entities}]>'
        '<rss version="2.0"><channel><title>&l11;</title>'
        "<item><title>&l11;</title><link>http://b.example/1</link></item></channel></rss>"
    ).encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(FeedError, match="DTD"):  # refused by the XML parser, unexpanded
        parse_feed(body, now=NOW)
    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KB


def test_external_entities_are_not_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t &x;</title>'
        "<item><title>&x;</title><link>http://b.example/1</link>"
        "<description>&x;</description></item></channel></rss>"
    ).encode()
    with pytest.raises(FeedError, match="DTD"):
        parse_feed(body, now=NOW)


def test_a_body_that_names_a_file_is_not_opened(tmp_path):
    # feedparser opens a str or bytes that names a file: parse_feed hands it a stream.
    secret = tmp_path / "feed.xml"
    secret.write_bytes(rss([rss_item("http://s.example/1", "Leaked")]))
    with pytest.raises(FeedError):
        parse_feed(str(secret).encode(), now=NOW)


def test_ten_thousand_items_bounded():
    items = [rss_item(f"http://m.example/{n}", f"Item {n}", guid=str(n)) for n in range(10_000)]
    started = time.perf_counter()
    feed = parse_feed(rss(items), now=NOW, limit=30)
    assert time.perf_counter() - started < 20
    assert len(feed.items) == 30 and feed.total == 10_000 and feed.over_limit == 9_970
    assert feed.items[0].title == "Item 0"  # undated: the document's order, newest first


def test_bad_links_and_private_addresses_are_refused_without_connecting():
    body = rss(
        [
            rss_item("javascript:alert(1)", "js"),
            rss_item("file:///etc/passwd", "file"),
            rss_item("http://169.254.169.254/latest/meta-data", "metadata"),
            rss_item("http://10.1.2.3/x", "private"),
            rss_item("http://[fe80::1]/x", "link-local v6"),
            rss_item("http://127.0.0.1:9/x", "loopback"),
            rss_item("http://good.example/x", "good"),
        ]
    )
    feed = parse_feed(body, now=NOW)
    assert [i.title for i in feed.items] == ["loopback", "good"]  # loopback: the fetcher decides
    assert {r.title: r.reason[:8] for r in feed.refused} == {
        "js": "its link",
        "file": "its link",
        "metadata": "its link",
        "private": "its link",
        "link-local v6": "its link",
    }
    assert all("private" in r.reason for r in feed.refused[2:])


def test_invalid_future_and_missing_dates():
    body = rss(
        [
            rss_item("http://d.example/bad", "bad", date="the thirty-first of Smarch"),
            rss_item("http://d.example/future", "future", date="Mon, 01 Jan 2091 00:00:00 +0000"),
            rss_item("http://d.example/none", "none"),
            rss_item("http://d.example/ok", "ok", date=rfc822(3)),
        ]
    )
    feed = parse_feed(body, now=NOW)
    by_title = {i.title: i for i in feed.items}
    assert by_title["ok"].published is not None and feed.items[0].title == "ok"
    assert by_title["future"].published is None and "future" in (by_title["future"].date_note or "")
    assert by_title["bad"].published is None and "could not be read" in (
        by_title["bad"].date_note or ""
    )
    assert by_title["none"].date_note == "the item has no date"


def test_non_utf8_encodings():
    latin = (
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
        "<title>Caf\u00e9 du port</title><item><title>Cr\u00e8me br\u00fbl\u00e9e</title>"
        "<link>http://e.example/1</link></item></channel></rss>"
    ).encode("iso-8859-1")
    feed = parse_feed(latin, now=NOW)
    assert feed.title == "Café du port" and feed.items[0].title == "Crème brûlée"
    sjis = (
        '<?xml version="1.0" encoding="shift_jis"?><rss version="2.0"><channel>'
        "<title>\u6e2f\u306e\u30cb\u30e5\u30fc\u30b9</title><item><title>\u6a4b</title>"
        "<link>http://e.example/2</link></item></channel></rss>"
    ).encode("shift_jis")
    assert parse_feed(sjis, now=NOW).items[0].title == "\u6a4b"


def test_keyword_filter_whole_words():
    item = parse_feed(
        rss([rss_item("http://k.example/1", "Ferry strike ends", desc="The harbour is calm")]),
        now=NOW,
    ).items[0]
    assert matches(item, ["ferry"], [])
    assert not matches(item, ["fer"], [])
    assert not matches(item, [], ["Harbour"])
    assert matches(item, [], [])


# --- the conditional fetch, against a real server on 127.0.0.1 ------------------------


async def test_conditional_get_304_and_permanent_redirect():
    async with feed_site() as site:
        url = site.serve("/feed", rss([]), etag='"v1"', headers={"Cache-Control": "max-age=3600"})
        first = await fetch_feed(url, allow_private=True)
        assert first.status == 200 and first.etag == '"v1"' and first.max_age_minutes == 60
        again = await fetch_feed(url, etag=first.etag, allow_private=True)
        assert again.not_modified and again.body == b""
        assert site.requests[-1][1]["If-None-Match"] == '"v1"'
        site.serve("/old", b"", status=301, headers={"Location": "/feed"})
        moved = await fetch_feed(site.url("/old"), allow_private=True)
        assert moved.moved_to == url


async def test_redirect_to_itself_and_size_cap_and_private():
    async with feed_site() as site:
        site.serve("/loop", b"", status=302, headers={"Location": "/loop"})
        with pytest.raises(FetchError, match="redirects to itself"):
            await fetch_feed(site.url("/loop"), allow_private=True)
        big = b"<rss>" + b"x" * (50 * 1024 * 1024)
        site.serve("/big", big)
        with pytest.raises(FetchError, match="larger than"):
            await fetch_feed(site.url("/big"), allow_private=True)
        with pytest.raises(FetchError, match="private"):
            await fetch_feed(site.url("/feed"))  # loopback needs allow_private
    with pytest.raises(FetchError, match="private"):
        await fetch_feed("http://169.254.169.254/feed", allow_private=True)


def test_one_unreadable_item_is_refused_with_its_reason_and_the_rest_are_read():
    # A link no URL parser reads, a date whose UTC is past year 9999, a lone surrogate and
    # NULs: each once ended the whole parse in a traceback.
    items = [
        {"id": "a", "url": "http://b.example/a", "title": "Before"},
        {"id": "b", "url": "http://[::1", "title": "Broken link"},
        {"id": "c", "url": "http://b.example/c", "date_published": "9999-12-31T23:59:59-01:00"},
        {"id": "d\u0000", "url": "http://b.example/d\u0000", "title": "Half \ud800 pair"},
        {"id": "e", "url": "http://b.example/e", "title": "After"},
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(body, url="http://b.example/feed.json", now=NOW)
    assert [(r.title, r.reason) for r in feed.refused] == [
        ("Broken link", "it could not be read (ValueError)")
    ]
    by_key = {item.keys[0]: item for item in feed.items}
    assert set(by_key) == {"id:a", "id:c", "id:d", "id:e"}
    assert by_key["id:c"].published is None
    assert by_key["id:c"].date_note == "the item's date could not be read"
    assert by_key["id:d"].title == "Half pair" and by_key["id:d"].link == "http://b.example/d"
