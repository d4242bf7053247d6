"""``newsbot insights``: what members asked this week, as /newsbot insights shows it;
``newsbot feedback export``: the votes as labelled rows, for refitting the confidence."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.app.desk import NewsDesk
from bot.app.insights import Report
from bot.cli.context import Context, with_desk
from bot.cli.options import guild_option, json_option
from bot.cli.output import emit
from news.domain import VoteRow


def report_json(guild_id: int, report: Report) -> dict[str, object]:
    c = report.counts
    return {
        "guild": guild_id,
        "since": report.since.isoformat(timespec="seconds"),
        "questions": c.total,
        "answered": c.answered,
        "passages": c.passages,
        "not_found": c.not_found,
        "lowest_rated": [
            {
                "question": r.question.question,
                "answer": r.question.answer,
                "article_id": r.question.article_id,
                "up": r.up,
                "down": r.down,
            }
            for r in report.lowest
        ],
        "unanswered": [{"word": g.word, "questions": list(g.questions)} for g in report.unanswered],
    }


def _share(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%" if total else "0%"


def report_text(guild_id: int, report: Report) -> str:
    c = report.counts
    lines = [
        f"Guild {guild_id}: {c.total} questions since {report.since:%Y-%m-%d}:"
        f" {_share(c.answered, c.total)} answered, {_share(c.passages, c.total)} shown as"
        f" passages, {_share(c.not_found, c.total)} not found."
    ]
    if report.lowest:
        lines.append("Lowest-rated answers:")
        lines += [
            f"  -{r.down} +{r.up}  {r.question.question} -> {r.question.answer or '(passages)'}"
            for r in report.lowest
        ]
    if report.unanswered:
        lines.append("Unanswered, by main word:")
        for n, group in enumerate(report.unanswered, start=1):
            lines.append(f"  {n}. {group.word} ({len(group.questions)})")
            lines += [f"     {q}" for q in group.questions]
    return "\n".join(lines)


@click.command()
@guild_option("Only this guild (default: every guild with questions stored).")
@json_option("One JSON object per guild.")
@click.pass_obj
def insights(ctx: Context, guild: int | None, as_json: bool) -> None:
    """What members asked in the last 7 days: the share answered, shown as passages and
    not found; the lowest-rated answers; the unanswered questions by main word."""

    async def work(desk: NewsDesk) -> list[tuple[int, Report]]:
        guilds = [guild] if guild is not None else await desk.insights.guilds()
        return [(g, await desk.insights.report(g)) for g in guilds]

    reports = with_desk(ctx, work)
    if not reports:
        if not as_json:
            click.echo("No questions are stored.")
        return
    for guild_id, report in reports:
        if as_json:
            emit(report_json(guild_id, report))
        else:
            click.echo(report_text(guild_id, report))


def vote_json(row: VoteRow) -> dict[str, object]:
    """A vote as a labelled row: what was asked and answered, and ``label`` 1 (helpful)
    or 0 (not). No member, and no hash of one, leaves the database."""
    q = row.question
    return {
        "guild": q.guild_id,
        "asked_at": q.asked_at.isoformat(timespec="seconds"),
        "question": q.question,
        "outcome": q.outcome.value,
        "answer": q.answer,
        "evidence": q.evidence,
        "article_id": q.article_id,
        "confidence": round(q.confidence, 4),
        "reader": q.reader,
        "label": 1 if row.vote > 0 else 0,
        "voted_at": row.voted_at.isoformat(timespec="seconds"),
    }


@click.group()
def feedback() -> None:
    """Members' votes on answers."""


@feedback.command(name="export")
@guild_option("Only this guild's votes (default: every guild's).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the JSON lines to this file (default: standard output).",
)
@click.pass_obj
def export(ctx: Context, guild: int | None, out: Path | None) -> None:
    """Write every vote as a labelled JSON line (label 1: helpful, 0: not)."""

    async def work(desk: NewsDesk) -> list[VoteRow]:
        return await desk.insights.export(guild)

    rows = with_desk(ctx, work)
    if out is None:
        for row in rows:
            emit(vote_json(row))
        return
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(vote_json(row), ensure_ascii=False) + "\n")
    click.echo(f"Wrote {len(rows)} vote{'' if len(rows) == 1 else 's'} to {out}.", err=True)
