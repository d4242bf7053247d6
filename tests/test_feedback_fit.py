"""bench/feedback_fit.py (issue 23) on a real store and the real engine: many 👎 on
answers the bot was sure of make it less sure of them, or commit to them less. Run as
a command (the suite does not import bench/); the stories and votes are invented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.app.desk import NewsDesk

ROOT = Path(__file__).resolve().parents[1]
STORIES = [
    "Harbour wall at Port Elwin repaired\nWorkers finished repairing the harbour wall at Port "
    "Elwin on Friday. The repair cost 2.4 million euros, the port authority said. The wall "
    "was damaged in a storm in October.",
    "Kessel Island gets a new ferry\nA new ferry named the Gull began sailing to Kessel Island "
    "on Monday. The ferry carries 300 passengers and was built in Halden. The operator said "
    "crossings would take forty minutes.",
    "Halden library reopens\nThe Halden public library reopened on Saturday after a two-year "
    "renovation. The mayor, Ingrid Voss, cut the ribbon. The library now holds 80,000 books.",
    "Brightline names a new chief\nBrightline, the rail company, named Laura Menendez its chief "
    "executive on Tuesday. She replaces Tom Avery, who retired. Menendez ran the company's "
    "freight arm for six years.",
]
QUESTIONS = [
    "How much did the harbour wall repair cost?",
    "How many passengers does the Gull carry?",
    "Who cut the ribbon at the Halden library?",
    "How many books does the Halden library hold?",
    "When was the harbour wall damaged?",
    "Who did Laura Menendez replace?",
]


def refit(votes: Path, db: Path) -> dict[str, dict[str, list[float]]]:
    command = ["-m", "bench.feedback_fit", "--feedback", str(votes), "--db", str(db), "--json"]
    out = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=100,
        check=True,
    )
    settings: dict[str, dict[str, list[float]]] = json.loads(out.stdout)["settings"]
    return settings


async def test_many_thumbs_down_on_sure_answers_make_the_bot_more_careful(tmp_path) -> None:
    db = tmp_path / "votes.db"
    desk = await NewsDesk.open(db)
    rows = []
    try:
        for text in STORIES:
            await desk.add_text(text)
        for question in QUESTIONS:
            answer = await desk.ask(question)
            assert answer.committed, question  # the bot was sure
            # Four members each say the answer did not help, as the export writes it.
            rows += [
                {
                    "guild": None,
                    "question": question,
                    "outcome": "answered",
                    "answer": answer.answer,
                    "evidence": answer.evidence,
                    "article_id": answer.article_id,
                    "confidence": answer.confidence,
                    "label": 0,
                }
            ] * 4
    finally:
        await desk.close()
    votes = tmp_path / "votes.jsonl"
    votes.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = refit(votes, db)
    read = [s for s in settings.values() if s["rows"]]
    assert read, settings
    for s in read:
        before, after = s["confidence"]
        assert after < before  # less sure of the answers voted down
        assert s["threshold"][1] >= s["threshold"][0]  # never less careful
        assert s["committed"][1] < s["committed"][0] or s["committed"][0] == 0
    assert any(s["committed"][0] > 0 for s in read)
