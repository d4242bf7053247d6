"""``newsbot ask``: a question, or a JSONL batch of them, answered from the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import click

from bot.app.desk import NewsDesk
from bot.app.readers import Asked
from bot.cli.context import Context, with_desk
from bot.cli.doctor import reader_line, require_reader
from bot.cli.input import ID, batch_question, jsonl_lines
from bot.cli.options import guild_option, json_option
from bot.cli.output import asked_json, emit
from bot.style import article_date
from news.answer import Answer, Quote
from news.domain import Article
from news.errors import InputError, NewsError


@click.command()
@click.argument("question", required=False)
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSONL file of {"question", "article_id"?}; one JSON line out per line in.',
)
@guild_option("Ask within this guild's articles and the global ones.")
@click.option("--article", "article_id", type=ID, help="Answer from this article only.")
@click.option(
    "--reader",
    "choice",
    type=click.Choice(["offline", "model"]),
    help="Force a reader (default: the model reader when one is configured).",
)
@json_option()
@click.pass_obj
def ask(
    ctx: Context,
    question: str | None,
    batch: Path | None,
    guild: int | None,
    article_id: int | None,
    choice: Literal["offline", "model"] | None,
    as_json: bool,
) -> None:
    """Answer a question from the stored articles, with the sentence that proves it."""
    if (question is None) == (batch is None):
        raise click.UsageError("Give a QUESTION or --batch FILE, not both.")
    if choice == "model":
        require_reader(ctx.settings)

    async def one(desk: NewsDesk) -> tuple[Asked, dict[int, Article]]:
        assert question is not None
        asked = await desk.ask_read(question, guild, article_id, reader=choice or "auto")
        answer = asked.answer
        ids = [answer.article_id] if answer.article_id else []
        ids += [q.article_id for q in answer.passages]
        found = {i: a for i in dict.fromkeys(ids) if (a := await desk.get_any(i)) is not None}
        return asked, found

    if question is not None:
        asked, found = with_desk(ctx, one, reader=True)
        if as_json:
            emit(asked_json(asked))
        else:
            click.echo(_answer_text(asked.answer, found))
            if asked.newer is not None:
                click.echo(f"Newer: #{asked.newer.article_id} {asked.newer.title}")
            if asked.window_note is not None:
                click.echo(asked.window_note)
            if asked.footer is not None:
                click.echo(reader_line(asked))
        return

    assert batch is not None

    failed: list[str] = []

    async def many(desk: NewsDesk) -> None:
        # One JSON line out per line in; a line that fails says why there and, as
        # FILE:LINE: REASON, on standard error, and the rest are still answered.
        for number, item in jsonl_lines(batch):
            q: str | None = None
            try:
                if isinstance(item, InputError):
                    raise item
                q, pin = batch_question(item)
                asked = await desk.ask_read(q, guild, pin, reader=choice or "auto")
                emit(asked_json(asked))
            except NewsError as err:
                emit({"line": number, "question": q, "error": str(err)})
                failed.append(f"{batch}:{number}: {err}")

    with_desk(ctx, many, reader=True)
    for line in failed:
        click.echo(line, err=True)
    if failed:
        sys.exit(1)


def _answer_text(answer: Answer, found: dict[int, Article]) -> str:
    """What ``ask --json`` prints, for a person: the answer, its evidence and citation
    (or the closest sentences, each with its article), the other sentences, the
    confidence.

    Every line says what it is: a label, or a heading over the quotes it lists
    (scripts read ``--json``). The running total is a line the engine labels itself
    (:mod:`news.answer.totals`).
    """
    cited = found.get(answer.article_id) if answer.article_id else None
    passages = list(answer.passages)
    if answer.answer is not None and cited is not None:
        lines = [f"Answer: {answer.answer}"]
        if answer.extra:
            lines.append(answer.extra)
        lines.append(f'Evidence: "{answer.evidence}"')
        day = article_date(cited).short()
        lines.append(f"Source: #{cited.id} {cited.title} ({cited.source or 'no source'}, {day})")
        if cited.url:
            lines.append(f"Link: {cited.url}")
        more = [q for q in passages if q.text != answer.evidence]
        if more:
            lines += ["", "Also in the articles:"]
            lines += [_quote_line(q, found) for q in more]
    elif passages:
        lines = ["Could not pin down an exact answer. The most relevant sentences:"]
        lines += [_quote_line(q, found) for q in passages]
    else:
        lines = ["Not found in the stored articles."]
        if answer.related:
            lines.append("Closest articles: " + ", ".join(f"#{i}" for i in answer.related))
    lines.append(f"Confidence: {answer.confidence:.2f}")
    return "\n".join(lines)


def _quote_line(quote: Quote, found: dict[int, Article]) -> str:
    article = found.get(quote.article_id)
    title = f" {article.title}" if article is not None else ""
    return f'  "{quote.text}" — #{quote.article_id}{title}'
