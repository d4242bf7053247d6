"""A feed's delivery settings as a moderator or the command line gives them, checked and
tidied into the columns the store keeps (``storage.feeds.DELIVERY_COLUMNS``). A bad value
is one line of InputError and nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.feed_cards import feed_rules
from bot.feed_formats import check_style, check_template
from news.domain import DELIVER, Feed
from news.errors import InputError
from news.feed_parse import keywords
from news.filters import MAX_RULES, Filter, parse_rules


def _regex(text: object, action: str) -> str:
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    tidy = "\n".join(lines)
    parse_rules(tidy, action, "regex")  # FilterError (an InputError) if one can't be used
    return tidy


def check_delivery(feed: Feed, changes: Mapping[str, object]) -> dict[str, object]:
    checked: dict[str, object] = {}
    for name, value in changes.items():
        if name == "style":
            checked[name] = check_style(str(value))
        elif name == "template":
            checked[name] = check_template(None if value is None else str(value))
        elif name == "ping_keywords":
            checked[name] = ",".join(keywords(str(value or "")))
        elif name == "deliver":
            if value not in DELIVER:
                raise InputError(f"A feed delivers to a {', a '.join(DELIVER)}, not {value!r}.")
            checked[name] = value
        elif name in ("include_regex", "exclude_regex"):
            checked[name] = _regex(value, name.split("_")[0])
        elif name == "delivery_note":
            checked[name] = None if value is None else str(value)[:300]
        elif name in ("publish", "summary"):
            checked[name] = 1 if value else 0
        elif name in ("ping_role", "forum_tag", "channel_id"):
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise InputError(f"{name.replace('_', ' ')} must be a Discord id.")
            checked[name] = value
        else:
            raise InputError(f"A feed has no setting {name!r}.")
    deliver = checked.get("deliver", feed.delivery.deliver)
    channel = checked.get("channel_id", feed.channel_id)
    if deliver != "channel" and channel is None:
        raise InputError(f"To deliver to a {deliver}, the feed needs a channel to post in.")
    include = str(checked.get("include_regex", feed.delivery.include_regex))
    exclude = str(checked.get("exclude_regex", feed.delivery.exclude_regex))
    rules = feed_rules(
        replace(feed, delivery=replace(feed.delivery, include_regex=include, exclude_regex=exclude))
    )
    if len(rules) > MAX_RULES:
        raise InputError(f"A feed can have at most {MAX_RULES} rules, keywords included.")
    Filter(rules)
    return checked
