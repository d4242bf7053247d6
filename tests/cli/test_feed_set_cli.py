"""``newsbot feed set``: every delivery setting from the command line, shown by
``feed list --json``; a bad value is one line and changes nothing."""

from __future__ import annotations

import json

from tests.cli.test_feed_cli import publish, run, site  # noqa: F401  (fixtures)


def test_set_shows_in_list_json_and_refuses_bad_values(site, run):  # noqa: F811
    url = publish(site, range(2), '"a"')
    feed_id = json.loads(run("feed", "add", url, "--guild", "77", "--json").output)["id"]
    done = run(
        "feed", "set", str(feed_id), "--style", "compact", "--template", "**{title}** {url}",
        "--ping-role", "7001", "--ping-keywords", "ferry, tram", "--channel", "5101",
        "--deliver", "forum", "--forum-tag", "5103", "--publish", "off", "--summary", "off",
        "--include-regex", "title: ^Port", "--exclude-regex", "(?i)sport",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (row,) = [json.loads(line) for line in run("feed", "list", "--json").output.splitlines()]
    assert (
        "delivers: compact, to a forum, pings role 7001, 2 regex rules"
        in run("feed", "list").output
    )
    assert row["channel"] == 5101
    assert row["delivery"] == {
        "style": "compact",
        "template": "**{title}** {url}",
        "summary": False,
        "ping_role": 7001,
        "ping_keywords": "ferry,tram",
        "deliver": "forum",
        "forum_tag": 5103,
        "publish": False,
        "include_regex": ["title: ^Port"],
        "exclude_regex": ["(?i)sport"],
        "note": None,
    }
    for bad in (
        ["--template", "@everyone {title}"],
        ["--template", "[x]({url})"],
        ["--exclude-regex", "(a)\\1"],
    ):
        refused = run("feed", "set", str(feed_id), "--style", "text", *bad)
        assert refused.exit_code != 0 and len(refused.output.strip().splitlines()) == 1
    (row,) = [json.loads(line) for line in run("feed", "list", "--json").output.splitlines()]
    assert row["delivery"]["style"] == "compact"  # nothing half-written
