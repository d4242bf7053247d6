"""The insights report as Discord shows it (pure: a report in, an embed out): this week's
questions and how they went, the lowest-rated answers, and the unanswered questions by
their main words, numbered like the "Add a story" buttons beside them."""

from __future__ import annotations

import discord

from bot.app.insights import Report
from bot.render import clamp, escape, fit_embed
from bot.style import COLOUR, FIELD_VALUE_LIMIT

TITLE = "What members asked this week"
UNANSWERED = "Unanswered, by main word"
LOWEST = "Lowest-rated answers"
NOTHING = "No questions were asked in the last 7 days."


def _share(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%" if total else "0%"


def insights_embed(report: Report) -> discord.Embed:
    c = report.counts
    embed = discord.Embed(title=TITLE, colour=COLOUR)
    if c.total == 0:
        embed.description = NOTHING
    else:
        embed.description = (
            f"{c.total} question{'' if c.total == 1 else 's'} since"
            f" {report.since:%-d %b}: {_share(c.answered, c.total)} answered,"
            f" {_share(c.passages, c.total)} shown as passages,"
            f" {_share(c.not_found, c.total)} not found."
        )
    if report.lowest:
        rows = []
        for rated in report.lowest:
            q = rated.question
            answer = clamp(escape(q.answer or "(passages)"), 120)
            where = f" · #{q.article_id}" if q.article_id is not None else ""
            rows.append(
                f"• 👎 {rated.down} 👍 {rated.up} · {clamp(escape(q.question), 150)}"
                f" → {answer}{where}"
            )
        embed.add_field(name=LOWEST, value=clamp("\n".join(rows), FIELD_VALUE_LIMIT), inline=False)
    if report.unanswered:
        rows = []
        for n, group in enumerate(report.unanswered, start=1):
            asked = "; ".join(clamp(escape(q), 90) for q in group.questions[:3])
            more = f" (+{len(group.questions) - 3})" if len(group.questions) > 3 else ""
            rows.append(f"{n}. **{escape(group.word)}** ({len(group.questions)}): {asked}{more}")
        embed.add_field(
            name=UNANSWERED, value=clamp("\n".join(rows), FIELD_VALUE_LIMIT), inline=False
        )
    return fit_embed(embed)
