"""The answer engine's word tables: synonym groups and the cue words that give an answer
its shape (numbers, units, dates, places), and the matching key that folds synonyms.

Stop words, the stemmer and the word patterns are shared with retrieval and the
summarizer and live in :mod:`news.words`.
"""

from __future__ import annotations

from news.words import stem, wordset

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
MONTHS = wordset("""january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""")
DAYS = wordset("""monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow tonight
    weekend""")
PLACE_PREPS = wordset("in at near from to into across outside inside throughout")
PLACE_CUES = wordset("""city county state province island islands river mountain mount lake street road valley
    region republic kingdom coast bay north south east west northern southern eastern western
    afghanistan pakistan iraq iran israel china india russia japan korea mexico brazil france
    germany britain england london paris washington california texas florida new york africa
    europe asia america canada australia spain italy egypt syria gaza baghdad kabul beijing""")

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
