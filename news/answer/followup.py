"""Follow-up questions: "what did she say?" after "who is the CEO of Brightline?".

A follow-up is asked about the story of the answer before it, and its pronouns and bare
references ("he", "she", "they", "it", "the company", "the group") stand for names the
member has just seen: the previous question's, the previous answer's, and its evidence
sentence's. :func:`resolve` writes those names in, so the engine matches the story's
words ("Laura Menendez said ...") instead of a pronoun it cannot match.

The rule is small and says what it did: a person's pronoun takes the person the last
answer named (or the first person among the names), a bare reference to an
organisation takes the first organisation, and "it"/"they" take the previous question's
subject only when that is one name and not a person. Anything unsure stays as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from news.words import STOP_WORDS as STOP
from news.words import wordset

PERSON_WORDS = {
    "he": "",
    "she": "",
    "him": "",
    "her": "'s?",  # "her" is an object or a possessive; decided below
    "his": "'s",
    "hers": "'s",
}
# Bare references to an organisation, longest first.
ORG_REFERENCES = (
    "the organisation",
    "the organization",
    "the government",
    "the committee",
    "the business",
    "the company",
    "the council",
    "the agency",
    "the group",
    "the party",
    "the union",
    "the firm",
    "the team",
    "the club",
    "the band",
)
THING_WORDS = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s"}

# Words that make a capitalised run an organisation.
ORG_HINTS = wordset(
    """inc corp corporation co company ltd plc llc group council union party bank airlines
    airways ministry department university college association agency committee
    commission federation league club fc united authority institute foundation
    organisation organization court police army navy government parliament congress
    senate news times post network motors systems technologies labs"""
)
# Words before a name that make it a person's.
PERSON_CUES = wordset(
    """mr mrs ms miss dr sir dame lord lady president senator governor mayor minister
    judge captain coach chief executive ceo chairman chairwoman chair spokesman spokeswoman
    director founder officer king queen prince princess pope rev"""
)
_QUESTION_WORDS = wordset(
    "what which who whom whose when where why how is are was were did does do"
)
# After a name, these make it a person's: "Grace Obi said", "Grace Obi, who ...".
_SAYING = wordset("said says told added argued warned announced who")
_NAME = re.compile(r"[A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+|van\s+|von\s+|al-)?[A-Z][\w'’.-]*)*")
_WORD = re.compile(r"[\w'’]+")


@dataclass(frozen=True)
class Name:
    text: str
    kind: str  # person, org or other


@dataclass(frozen=True)
class Resolved:
    """The follow-up as the engine reads it, and what was written in (shown to the member
    as "Asked as: ...")."""

    question: str
    replaced: tuple[tuple[str, str], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.replaced)


def names(text: str) -> list[Name]:
    """The capitalised names in ``text`` with a guess at their kind, in order. A person
    needs a sign of one: a title before the name ("Mayor Tom Reyes", "chief executive
    Laura Menendez") or a verb of saying after it; two capitalised words alone may be a
    place ("Port Elwin")."""
    found: list[Name] = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        # A capital that only opens the sentence, or a question word, is no name.
        opened_by_the = False
        while words and words[0].casefold() in _QUESTION_WORDS | STOP:
            opened_by_the |= words.pop(0).casefold() == "the"
        # "CEO of Brightline": a title of something; the something is the name.
        if "of" in words and all(w.casefold() in PERSON_CUES for w in words[: words.index("of")]):
            words = words[words.index("of") + 1 :]
        cues = [w for w in words if w.casefold().strip(".") in PERSON_CUES]
        named = [w for w in words if w not in cues]
        if not named:
            continue
        name = " ".join(named).rstrip(".'’")
        lowered = {w.casefold().strip(".'’") for w in named}
        # Two words back at most: a fixed window keeps this linear in the text.
        before = {
            w.casefold() for w in _WORD.findall(text[max(0, m.start() - 40) : m.start()])[-2:]
        }
        after = _WORD.findall(text[m.end() : m.end() + 20])[:1]
        if lowered & ORG_HINTS or (name.isupper() and len(name) > 1):
            kind = "org"
        elif (
            (cues and words[0] in cues)
            or before & PERSON_CUES
            or (not opened_by_the and after and after[0].casefold() in _SAYING)
        ):
            kind = "person"
        else:
            kind = "other"
        if all(n.text != name for n in found):
            found.append(Name(name, kind))
    return found


def resolve(followup: str, question: str, answer: str | None, evidence: str | None) -> Resolved:
    """``followup`` with its pronouns and bare references written out from the previous
    ``question``, its ``answer`` and the ``evidence`` sentence."""
    asked = names(question)
    seen = asked + names(answer or "") + names(evidence or "")
    person = _person(question, answer, seen)
    subject = [n.text for n in asked if n.kind != "person"]
    single = subject[0] if len(subject) == 1 else None
    org = next((n.text for n in asked + seen if n.kind == "org"), single)
    out = followup
    replaced: list[tuple[str, str]] = []
    lowered = out.casefold()
    if org:
        for ref in ORG_REFERENCES:
            at = lowered.find(ref)
            if at >= 0 and _whole(lowered, at, len(ref)):
                out = out[:at] + org + out[at + len(ref) :]
                replaced.append((ref, org))
                break
    words = {w.casefold() for w in _WORD.findall(out)}
    if person and words & PERSON_WORDS.keys():
        out = _swap(out, PERSON_WORDS, person, replaced)
    elif not replaced and words & THING_WORDS.keys():
        # "it" is the thing asked about; "they" more often the organisation.
        plural = bool(words & {"they", "them", "their"})
        thing = (org or single) if plural else (single or org)
        if thing:
            out = _swap(out, THING_WORDS, thing, replaced)
    return Resolved(out, tuple(replaced))


def _person(question: str, answer: str | None, seen: list[Name]) -> str | None:
    if answer and question.strip().casefold().startswith(("who ", "whom ")):
        return answer.strip()
    return next((n.text for n in seen if n.kind == "person"), None)


def _whole(text: str, at: int, size: int) -> bool:
    before = text[at - 1] if at > 0 else " "
    after = text[at + size] if at + size < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _swap(text: str, table: dict[str, str], name: str, replaced: list[tuple[str, str]]) -> str:
    def one(m: re.Match[str]) -> str:
        word = m.group(0)
        key = word.casefold()
        if key not in table:
            return word
        suffix = table[key]
        if key == "her":
            # "her" before a noun is a possessive ("her company"), else an object.
            nxt = m.string[m.end() :].lstrip()
            suffix = "'s" if nxt[:1].isalpha() and not _ends_clause(nxt) else ""
        written = name + suffix
        replaced.append((word, written))
        return written

    return _WORD.sub(one, text)


def _ends_clause(rest: str) -> bool:
    first = _WORD.match(rest)
    return first is None or first.group(0).casefold() in STOP | {"about", "for", "to", "after"}
