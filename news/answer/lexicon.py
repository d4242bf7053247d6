"""The answer engine's word tables: synonym groups and the cue words that give an answer
its shape (numbers, units, dates, places), and the matching key that folds synonyms.

Stop words, the stemmer and the word patterns are shared with retrieval and the
summarizer and live in :mod:`news.words`.
"""

from __future__ import annotations

from news.words import ABBREVIATIONS, QUESTION_STOP, stem, wordset

# The words that open a question.
WH = wordset("what which who whom whose when where why how")

# Common synonyms; every member maps to the first member's stem. Kept small and
# news-flavoured: the words question writers swap for the article's words.
SYNONYM_GROUPS = [
    ["prisoner", "detainee", "inmate", "captive", "hostage"],
    ["release", "free", "liberate", "discharge"],
    ["kill", "slay", "murder", "slaughter"],
    ["die", "death", "dead", "fatality", "perish"],
    ["buy", "purchase", "acquire"],
    ["start", "begin", "launch", "commence"],
    ["car", "vehicle", "automobile"],
    ["child", "kid", "youngster"],
    ["police", "cop", "officer", "policeman"],
    ["attack", "assault", "raid"],
    ["company", "firm", "corporation"],
    ["film", "movie", "picture"],
    ["doctor", "physician"],
    ["job", "employment"],
    ["win", "victory"],
    ["plane", "aircraft", "airplane", "jet"],
    ["ship", "vessel", "boat"],
    ["home", "house", "residence"],
    ["injure", "wound", "hurt", "injury"],
    ["money", "fund", "cash"],
    ["soldier", "troop"],
    ["official", "authority"],
    ["country", "nation"],
    ["gun", "weapon", "firearm"],
    ["lawsuit", "suit", "sue"],
    ["arrest", "detain", "apprehend"],
    ["jail", "prison"],
    ["says", "said", "state", "claim"],
    ["show", "program", "programme"],
    ["rule", "regulation"],
    ["talk", "negotiation", "discussion"],
    ["leader", "chief", "head"],
    ["big", "large", "huge"],
    ["small", "little", "tiny"],
    ["quit", "resign"],
    ["fire", "blaze"],
    ["storm", "hurricane", "cyclone"],
    ["election", "vote", "poll"],
    ["charge", "accuse"],
    ["convict", "sentence"],
    ["crash", "collision"],
    ["rescue", "save"],
    ["help", "aid", "assist"],
    ["student", "pupil"],
    ["mother", "mom"],
    ["father", "dad"],
]

# Shapes of an answer: numbers and what goes with them, dates, places.
NUMBER_WORDS = wordset("""zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty
    ninety hundred thousand million billion trillion dozen dozens hundreds thousands millions
    billions half quarter third""")
SCALE_WORDS = wordset("hundred thousand million billion trillion percent % per cent dozen")
UNIT_WORDS = wordset("""years year months month weeks week days day hours hour minutes minute seconds second
    miles mile kilometers kilometres km feet foot meters metres inches pounds kilograms kg
    tons tonnes dollars euros points percent degrees acres times people""")
QUALIFIERS = wordset("""more less fewer than under over about around nearly almost approximately roughly some
    least most up to as many much just only estimated an""")
CURRENCY = wordset("$ £ € # ¥")
CURRENCY_WORDS = wordset("""dollar dollars euro euros pound pounds sterling yen yuan renminbi rupee rupees
    rupiah franc francs peso pesos ruble rubles rouble roubles lira dinar dinars riyal riyals
    rand shekel shekels baht krona kronor krone reais""")
# Scale suffixes written onto a number: "$5m", "€2bn".
SCALE_SUFFIXES = wordset("m mn bn b k")
# Words that carry no meaning at the edge of an answer ("to 5,000", "the policy of"):
# articles, prepositions, conjunctions.
FUNCTION_WORDS = wordset("""a an the of to from by for with about in on at into onto over under after
    before during since between among against through across near without within upon via and or
    but nor as than""")
MONTHS = wordset("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""")
DAYS = wordset("""monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    weekend""")
# Words that make a phrase a time even without a date ("last week", "two years ago").
TIME_WORDS = wordset("""week weeks month months year years decade decades century centuries ago
    morning afternoon evening night midnight noon dawn spring summer autumn fall winter season
    earlier later recently currently christmas easter""")
PLACE_PREPS = wordset("in at near from to into across outside inside throughout")
PLACE_CUES = wordset("""city county state province island islands river mountain mount lake street road valley
    region republic kingdom coast bay north south east west northern southern eastern western
    afghanistan pakistan iraq iran israel china india russia japan korea mexico brazil france
    germany britain england london paris washington california texas florida new york africa
    europe asia america canada australia spain italy egypt syria gaza baghdad kabul beijing""")

# Common nouns of places an answer to "where" may be ("at his home", "in a hospital").
PLACE_NOUNS = wordset("""home house apartment hospital school university college prison jail airport
    station church mosque temple hotel office court courthouse border camp base park square
    building embassy market beach field stadium village town capital neighborhood neighbourhood
    area headquarters compound farm port harbor harbour forest desert sea ocean""")

# The noun after "what"/"which" that tells what is asked for ("what year", "which city").
COUNT_FOCUS = wordset(
    "number amount percentage percent share total price cost age size population rate"
)
TIME_FOCUS = wordset("year day month date time decade century period season")
PERSON_FOCUS = wordset("""person people man woman group organization organisation company team party agency
    official leader player actor actress singer band president minister author director
    country's""")
PLACE_FOCUS = wordset("""country city state place town region nation continent area location island province
    county village capital neighborhood street""")

_SYNONYM_OF: dict[str, str] = {}
for _group in SYNONYM_GROUPS:
    _head = stem(_group[0])
    for _member in _group:
        _SYNONYM_OF.setdefault(stem(_member), _head)


def match_key(word: str) -> str:
    """The matching key of a word: its stem, folded onto its synonym group."""
    s = stem(word)
    return _SYNONYM_OF.get(s, s)


def short_key(short: str) -> str:
    """The matching key a short form ("CEO") and its long forms ("chief executive")
    share; no word has it, so "us" the pronoun stays apart from "US"."""
    return short.lower() + "="


# Each short form's own matching key and its long forms' words', by their shared key.
# A sentence that holds either form holds them all, so a check that looks a question's
# word up by its own key ("CEO" -> "ceo") finds it in "chief executive" too. Words
# folded onto a synonym group are left out: "chief" is "leader" and "officer" is
# "police", which a sentence saying "CEO" does not mean.
FORM_KEYS: dict[str, frozenset[str]] = {
    short_key(short): frozenset(
        {match_key(short.lower())}
        | {
            stem(w)
            for long in longs
            for w in long.split()
            if w not in QUESTION_STOP and match_key(w) == stem(w)
        }
    )
    for short, longs in ABBREVIATIONS.items()
}
