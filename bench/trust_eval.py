"""Honest figures for the answers /ask commits to: nested cross-validation on NewsQA
dev with questions the articles cannot answer, and a held-out fold read once.

What is measured, in both settings (the article given; open: all 401 stories
stored, retrieval as the desk runs it):

- answerable NewsQA dev questions: the share committed, the F1 of the committed
  answers, and the share whose gold answer is shown (bold, evidence or passages);
- name-swapped and wrong-story questions (``bench.unanswerable``, fixed seed): the
  share committed, every one a false commit. In the open setting a wrong-story
  question is asked of the store without its own story (its candidates drop it).

Everything is fitted inside the training folds. The articles are split once (seed
HOLDOUT_SEED) into a held-out fifth and the rest, D; D is split into FOLDS folds
grouped by article. For each outer fold f:

1. the answer weights (sentence and span rankers, ``bench.fit_answer``) and the
   retrieval mix (``bench.retrieval_eval``'s listwise model) are fitted on D minus f;
2. the confidence is trained on readings of D minus f that are themselves out of
   fold: each inner fold g is read with weights fitted on D minus f and g;
   SQuAD 2.0's sample (answerable and unanswerable, the article given) is read with
   the step-1 weights and joins the training rows;
3. the threshold is the highest on GRID at which the inner folds commit on the
   targets' coverage plus a margin (TRAIN_COVERAGE) in both settings;
4. fold f (answerable and unanswerable) is read with the step-1 weights and scored.

``--holdout`` then scores the held-out fifth once, with everything fitted on D the
same way. ``--write`` saves the confidence fitted on every dev question's out-of-fold
reading (and SQuAD's) with the threshold chosen on them.

The confidence's variants (VARIANTS) and TRAIN_COVERAGE were fixed before any score
was seen; nothing here is chosen by the scores it reports.

Run: ``.venv/bin/python -m bench.trust_eval [--holdout] [--write] [--squad N]``
(about 15 minutes on 2 cores; the fitted weights are cached in bench/.cache/trust).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import pickle
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench import fit_answer
from bench.common import CACHE, DEFAULT_SHARED, Item, load, normalize_answer, token_f1
from bench.trust_confidence import (
    FOLD_SEED,
    FOLDS,
    TRAIN_COVERAGE,
    Model,
    Row,
    choose_threshold,
    choose_variant,
    fit_confidence,
    probabilities,
    risk_coverage,
    score,
)
from bench.unanswerable import name_swapped, wrong_story
from news import retrieval
from news.answer import Passage, fitting
from news.answer.confidence import SETTINGS, SIGNALS, save_model
from news.answer.engine import Reading, read
from news.answer.fitted import load_fitted

HOLDOUT_SEED = 1919
HOLDOUT_SHARE = 0.2
SQUAD_SEED = 7
RETRIEVAL_L2 = 1e-3
_NAME = "trust"


@dataclass(frozen=True)
class Q:
    """One question of the study."""

    group: int  # the story it was written on (the CV group; SQuAD: -1)
    asked: int  # the story it is asked of, the article given
    question: str
    gold: str | None  # None: the story cannot answer it
    kind: str  # answerable, swap, wrong, squad
    item: int = -1  # its place among the answerable items


@dataclass
class Study:
    texts: list[str]
    items: list[Item]
    qs: list[Q]
    squad_texts: list[str] = field(default_factory=list)
    squad: list[Q] = field(default_factory=list)
    # open setting: each NewsQA question's bm25 candidates and the store's counts
    cands: list[list[retrieval.Candidate]] = field(default_factory=list)
    counts: list[retrieval.StoreCounts] = field(default_factory=list)
    store_ids: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ data


def load_squad(shared: Path, n: int) -> tuple[list[str], list[Q]]:
    """``n`` SQuAD 2.0 questions (all the unanswerable ones among them), fixed seed."""
    texts: list[str] = []
    answerable: list[Q] = []
    unanswerable: list[Q] = []
    with (shared / "eval" / "squad2-train-sample.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts.append(row["text"])
            for qa in row["qas"]:
                gold = qa.get("answer")
                q = Q(-1, len(texts) - 1, qa["question"], gold, "squad")
                (answerable if gold else unanswerable).append(q)
    rng = random.Random(SQUAD_SEED)
    rng.shuffle(answerable)
    return texts, unanswerable + answerable[: max(0, n - len(unanswerable))]


def study(shared: Path, squad: int) -> Study:
    texts, items = load(shared, None)
    qs = [
        Q(it.article_index, it.article_index, it.question, it.gold, "answerable", k)
        for k, it in enumerate(items)
    ]
    qs += [
        Q(u.source_index, u.article_index, u.question, None, "swap")
        for u in name_swapped(texts, items)
    ]
    qs += [
        Q(u.source_index, u.article_index, u.question, None, "wrong")
        for u in wrong_story(texts, items)
    ]
    st = Study(texts, items, qs)
    if squad:
        st.squad_texts, st.squad = load_squad(shared, squad)
    return st


async def fill_open(st: Study) -> None:
    """Store every story, then take each question's candidates as the desk does; a
    wrong-story question's candidates drop its own story and its near-copies."""
    from bot.app.desk import NewsDesk
    from news.domain import NewArticle
    from news.text import first_sentence

    with tempfile.TemporaryDirectory() as tmp:
        desk = await NewsDesk.open(Path(tmp) / "trust.sqlite3")
        try:
            for text in st.texts:
                out = await desk.store.add(
                    NewArticle(title=first_sentence(text) or "untitled", text=text, guild_id=None)
                )
                st.store_ids.append(out.article.id)
            shingles = [retrieval.opening_shingles(t) for t in st.texts]
            index_of = {sid: k for k, sid in enumerate(st.store_ids)}
            for q in st.qs:
                cands = await desk.candidates(q.question, None)
                if q.kind == "wrong":
                    own = shingles[q.group]
                    cands = [
                        c
                        for c in cands
                        if index_of.get(int(c.article_id)) != q.group
                        and not retrieval.same_story(own, shingles[index_of[int(c.article_id)]])
                    ]
                st.cands.append(cands)
                st.counts.append(await desk.store_counts(q.question))
        finally:
            await desk.close()


def split(st: Study) -> tuple[list[int], dict[int, int]]:
    """The held-out articles, and each other article's fold."""
    arts = sorted({q.group for q in st.qs})
    rng = random.Random(HOLDOUT_SEED)
    rng.shuffle(arts)
    cut = round(HOLDOUT_SHARE * len(arts))
    held = sorted(arts[:cut])
    rest = arts[cut:]
    random.Random(FOLD_SEED).shuffle(rest)
    return held, {a: i % FOLDS for i, a in enumerate(rest)}


# ------------------------------------------------------------------ fitting inside folds


def _code_key() -> str:
    """Readings depend on the engine's code and the retrieval's: their cache is keyed
    on it."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "news" / "answer").glob("*.py")):
        h.update(path.read_bytes())
    h.update((root / "news" / "retrieval.py").read_bytes())
    return h.hexdigest()[:16]


def _questions_key(questions: object) -> str:
    """Fitted weights depend only on the fitter's questions (features and labels) and
    which of them are trained on: their cache is keyed on those."""
    return hashlib.sha256(pickle.dumps(questions)).hexdigest()[:16]


class Fitter:
    """Answer weights and retrieval mixes fitted on a set of articles (cached)."""

    def __init__(self, st: Study) -> None:
        self.st = st
        self.dir = CACHE / _NAME / f"rows-{_code_key()}"
        self.dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        self.questions = fit_answer.build_questions(st.texts, st.items)
        self.weights_dir = CACHE / _NAME / f"weights-{_questions_key(self.questions)}"
        self.weights_dir.mkdir(parents=True, exist_ok=True)
        print(f"  built the answer fitter's questions in {time.perf_counter() - t0:.0f} s")
        self.names = [n for n in retrieval.FEATURES if n in retrieval.WEIGHTS]
        self.features: list[list[retrieval.Ranked]] = []
        self.pools: list[dict[int, retrieval.Candidate]] = []
        for q, cands, counts in zip(st.qs, st.cands, st.counts, strict=True):
            pool = retrieval.distinct(cands, retrieval.POOL)
            self.pools.append({int(c.article_id): c for c in pool})
            self.features.append(retrieval.rerank(q.question, pool, weights={}, counts=counts))

    def answer_weights(self, articles: frozenset[int]) -> tuple[dict[str, float], dict[str, float]]:
        key = hashlib.sha256(repr(sorted(articles)).encode()).hexdigest()[:16]
        path = self.weights_dir / f"answer-{key}.json"
        if path.exists():
            data = json.loads(path.read_text())
            return data["span"], data["sentence"]
        train = [q for q in self.questions if q.group in articles]
        sw, w = fit_answer.fit_both(train, l2=1e-2, sl2=1e-3)
        span = dict(zip(fitting.FEATURES, w.tolist(), strict=True))
        sentence = dict(zip(fitting.SENT_FEATURES, sw.tolist(), strict=True))
        path.write_text(json.dumps({"span": span, "sentence": sentence}))
        return span, sentence

    def retrieval_weights(self, articles: frozenset[int]) -> dict[str, float]:
        """The listwise logistic mix over the shipped features, by Newton-free
        gradient descent on numpy arrays (the same loss as bench.retrieval_eval.fit)."""
        xs, targets = [], []
        for i, q in enumerate(self.st.qs):
            if q.kind != "answerable" or q.group not in articles:
                continue
            ranked = self.features[i]
            gold = self.st.store_ids[q.group]
            ids = [r.article_id for r in ranked]
            if gold in ids:
                xs.append(np.array([[r.features.get(n, 0.0) for n in self.names] for r in ranked]))
                targets.append(ids.index(gold))
        w = np.zeros(len(self.names))
        for _ in range(300):
            grad = RETRIEVAL_L2 * w * len(xs)
            for x, g in zip(xs, targets, strict=True):
                s = x @ w
                p = np.exp(s - s.max())
                p /= p.sum()
                grad += x.T @ p - x[g]
            w -= 5.0 * grad / max(1, len(xs))
        return dict(zip(self.names, w.tolist(), strict=True))

    def open_passages(self, i: int, mix: dict[str, float]) -> list[Passage]:
        ranked = sorted(
            (
                retrieval.Ranked(
                    r.article_id, sum(mix[n] * r.features.get(n, 0.0) for n in mix), r.features
                )
                for r in self.features[i]
            ),
            key=lambda r: -r.score,
        )
        pool = self.pools[i]
        return [
            Passage(aid, pool[aid].title, pool[aid].text, score)
            for aid, score in retrieval.passage_scores(ranked)
        ]


# ------------------------------------------------------------------ readings


def _shown(quotes: Sequence[object], gold: str | None) -> bool:
    if not gold:
        return False
    g = normalize_answer(gold)
    return bool(g) and any(g in normalize_answer(getattr(q, "text", "")) for q in quotes)


def to_row(reading: Reading, q: Q) -> Row:
    guess = reading.guess
    gate = (
        guess is not None
        and bool(guess.text)
        and reading.supported
        and reading.typed
        and not reading.tied
    )
    return Row(
        q.kind,
        dict(reading.signals),
        gate,
        token_f1(guess.text if guess else None, q.gold) if q.gold else 0.0,
        _shown(reading.committed_quotes, q.gold) or (bool(guess) and _shown([guess], q.gold)),
        _shown(reading.open_quotes, q.gold),
        q.gold is not None,
        q.group,
    )


def _key(values: object) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def read_rows(
    st: Study, fitter: Fitter, idx: Sequence[int], setting: str, trained_on: frozenset[int]
) -> list[Row]:
    """Readings of questions ``idx`` with the answer weights and retrieval mix fitted on
    ``trained_on`` (cached: the confidence is refitted far more often than these)."""
    path = fitter.dir / f"rows-{setting}-{_key(sorted(trained_on))}-{_key(list(idx))}.pkl"
    if path.exists():
        cached: list[Row] = pickle.loads(path.read_bytes())
        return cached
    fitting.use_weights(*fitter.answer_weights(trained_on))
    mix = fitter.retrieval_weights(trained_on) if setting == "open" else {}
    rows = []
    for i in idx:
        q = st.qs[i]
        if setting == "given":
            passages = [Passage(q.asked, "", st.texts[q.asked], 1.0)]
        else:
            passages = fitter.open_passages(i, mix)
        rows.append(to_row(read(q.question, passages), q))
    path.write_bytes(pickle.dumps(rows))
    return rows


def squad_rows(st: Study, fitter: Fitter, trained_on: frozenset[int] | None) -> list[Row]:
    """SQuAD's readings, the article given, with weights fitted on ``trained_on`` (None:
    the shipped weights)."""
    if not st.squad:
        return []
    path = fitter.dir / f"squad-{len(st.squad)}-{_key(sorted(trained_on or ()))}.pkl"
    if path.exists():
        cached: list[Row] = pickle.loads(path.read_bytes())
        return cached
    if trained_on is None:
        shipped = load_fitted()
        fitting.use_weights(shipped.span, shipped.sentence)
    else:
        fitting.use_weights(*fitter.answer_weights(trained_on))
    rows = [
        to_row(read(q.question, [Passage(10**6 + q.asked, "", st.squad_texts[q.asked], 1.0)]), q)
        for q in st.squad
    ]
    path.write_bytes(pickle.dumps(rows))
    return rows


# ------------------------------------------------------------------ the nested loop


def trained(
    st: Study,
    fitter: Fitter,
    folds_of: dict[int, int],
    train_folds: Sequence[int],
    sq_rows_by_weights: list[Row],
) -> tuple[dict[str, Model], float]:
    """Confidence models and threshold fitted on ``train_folds`` only: their rows are
    read out of fold, each inner fold with weights fitted on the other inner folds."""
    rows: dict[str, list[Row]] = {s: [] for s in SETTINGS}
    for g in train_folds:
        others = frozenset(a for a, f in folds_of.items() if f in train_folds and f != g)
        idx = [i for i, q in enumerate(st.qs) if folds_of.get(q.group) == g]
        for s in SETTINGS:
            rows[s] += read_rows(st, fitter, idx, s, others)
    models: dict[str, Model] = {}
    cuts: dict[str, float] = {}
    for s in SETTINGS:
        extra = sq_rows_by_weights if s == "given" else []
        variant, p = choose_variant(rows[s], extra, s)
        models[s] = fit_confidence(rows[s] + extra, s, variant)
        # Read off the inner folds' out-of-fold confidences, which are as unsure as
        # those of questions the model has never seen.
        cuts[s] = choose_threshold(rows[s], p, s)
        print(f"    {s}: variant {variant}, threshold {cuts[s]:.2f}")
    return models, cuts


def evaluate(
    st: Study,
    fitter: Fitter,
    folds_of: dict[int, int],
    test: Sequence[int],
    train_folds: Sequence[int],
) -> tuple[dict[str, list[Row]], dict[str, np.ndarray], float]:
    train_arts = frozenset(a for a, f in folds_of.items() if f in train_folds)
    models, t = trained(st, fitter, folds_of, train_folds, squad_rows(st, fitter, train_arts))
    rows = {s: read_rows(st, fitter, test, s, train_arts) for s in SETTINGS}
    probs = {s: probabilities(models[s], rows[s], s) for s in SETTINGS}
    return rows, probs, t


def report(
    title: str,
    rows: dict[str, list[Row]],
    probs: dict[str, np.ndarray],
    commit: dict[str, np.ndarray],
) -> None:
    print(f"\n== {title}")
    print("setting  answerable  committed  F1 committed  gold shown  swap commits  wrong commits")
    for s in SETTINGS:
        r = rows[s]
        sc = score(r, np.where(commit[s], 1.0, 0.0), 0.5)
        print(
            f"{s:7}  {sc.n:10d}  {100 * sc.coverage:8.1f}%  {100 * sc.f1:12.1f}"
            f"  {sc.shown:10.3f}  {100 * sc.swap:11.1f}%  {100 * sc.wrong:12.1f}%"
        )
    for s in SETTINGS:
        print(f"  {s}: coverage  F1    swapped at least as confident (false commits)")
        for c, f1, fc in risk_coverage(rows[s], probs[s]):
            print(f"          {100 * c:5.0f}%  {100 * f1:5.1f}  {100 * fc:5.1f}%")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--squad", type=int, default=1200, help="SQuAD questions to train on (0: none)")
    ap.add_argument("--holdout", action="store_true", help="score the held-out fifth (once)")
    ap.add_argument("--write", action="store_true", help="write news/weights/confidence.json")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    st = study(args.shared, args.squad)
    asyncio.run(fill_open(st))
    fitter = Fitter(st)
    held, folds_of = split(st)
    kinds = {k: sum(q.kind == k for q in st.qs) for k in ("answerable", "swap", "wrong")}
    print(
        f"{kinds} over {len(st.texts)} stories; {len(held)} stories held out;"
        f" {len(st.squad)} SQuAD questions to train on ({time.perf_counter() - t0:.0f} s)"
    )
    all_rows: dict[str, list[Row]] = {s: [] for s in SETTINGS}
    all_p: dict[str, list[np.ndarray]] = {s: [] for s in SETTINGS}
    all_c: dict[str, list[np.ndarray]] = {s: [] for s in SETTINGS}
    for f in range(FOLDS):
        test = [i for i, q in enumerate(st.qs) if folds_of.get(q.group) == f]
        rows, probs, t = evaluate(st, fitter, folds_of, test, [g for g in range(FOLDS) if g != f])
        for s in SETTINGS:
            all_rows[s] += rows[s]
            all_p[s].append(probs[s])
            all_c[s].append(probs[s] >= t[s])
        print(f"  fold {f} done ({time.perf_counter() - t0:.0f} s)")
    p = {s: np.concatenate(all_p[s]) for s in SETTINGS}
    c = {s: np.concatenate(all_c[s]) for s in SETTINGS}
    report(
        "out of fold (nested, 5 folds grouped by article; the held-out fifth aside)", all_rows, p, c
    )
    if args.holdout:
        test = [i for i, q in enumerate(st.qs) if q.group in set(held)]
        rows, probs, t = evaluate(st, fitter, folds_of, test, list(range(FOLDS)))
        report(
            f"held-out fifth, read once (thresholds {t}, fitted on the rest)",
            rows,
            probs,
            {s: probs[s] >= t[s] for s in SETTINGS},
        )
    if args.write:
        write(st, fitter, held, folds_of)
    print(f"\n{time.perf_counter() - t0:.0f} s")


def write(st: Study, fitter: Fitter, held: list[int], folds_of: dict[int, int]) -> None:
    """The shipped confidence: trained on every dev question read out of fold (the
    held-out fifth as a sixth fold) and SQuAD, threshold chosen on those readings."""
    every = dict(folds_of)
    every.update({a: FOLDS for a in held})
    folds = list(range(FOLDS + 1))
    models, t = trained(st, fitter, every, folds, squad_rows(st, fitter, None))
    weights = {
        s: {"intercept": models[s][0], **dict(zip(SIGNALS[s], models[s][1].tolist(), strict=True))}
        for s in SETTINGS
    }
    path = save_model(
        weights,
        t,
        fitter="bench/trust_eval.py",
        dev_set="NewsQA dev with name-swapped and wrong-story questions; SQuAD 2.0 sample",
        method="logistic regression per setting on out-of-fold readings (6 folds grouped by"
        " article), unanswerable questions as negatives, variant chosen by inner CV;"
        f" threshold the highest committing on {TRAIN_COVERAGE} of those readings",
    )
    print(f"wrote {path} (thresholds {t})")


if __name__ == "__main__":
    main()
