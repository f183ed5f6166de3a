"""Text normalisation shared by the index and the queries.

Both sides must go through exactly the same steps, otherwise a word in a question never meets the
same word in a product: accents folded, lower case, stop words dropped, English Snowball stems.
French words go through the English stemmer too; that is deliberate: stems only need to be
consistent, not linguistically right, and French-English equivalence is the thesaurus's job.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[A-Za-z0-9]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _word_bytes() -> bytes:
    """For words(): an ASCII letter or digit stays (a capital becomes small), any other byte a space."""
    table = bytearray(b" " * 256)
    for char in string.digits + string.ascii_lowercase:
        table[ord(char)] = ord(char)
    for char in string.ascii_uppercase:
        table[ord(char)] = ord(char.lower())
    return bytes(table)


_WORD_BYTES = _word_bytes()

# Grammatical words: dropped before anything else, so "exploitation and abuse" and "exploitation &
# abuse" are the same phrase to the thesaurus.
GRAMMAR: frozenset[str] = frozenset(
    """
    a an the and or of to in on for with by at from as into onto l le la les un une des du de d
    et ou au aux en dans sur pour par avec sous entre sans s
    """.split()
)

# Question fluff: kept while phrases are matched ("new way of working" needs "way" and "working"),
# then dropped, because "how did others handle X" must not match a product that says "others".
FLUFF: frozenset[str] = frozenset(
    """
    is are was were be been being it its this that these those how what which who whom whose
    when where why did do does done doing have has had having i we you they he she our ours your
    their my me us them can could should would will shall may might must about over under
    between across any some all other others another there here than then so such not no yes if
    but also more most very just get got getting make made making handle handled handling
    handles deal dealt dealing tackle tackled manage managed approach approaches example
    examples way ways tip tips good best practice practices practise practises idea ideas anything something
    someone anyone thing things need needs want wants please thanks thank hi hello know tell
    show give find look looking t re ve ll m didn doesn don isn aren wasn weren hasn haven use
    used using work worked working put ce cet cette ces ca cela qui que qu quoi quel quelle
    quels quelles comment pourquoi quand est sont ete etre ont avoir ai as avons avez il elle
    ils elles nous vous je j on se sa son ses leur leurs nos notre votre vos mon ma mes ne pas
    plus autres autre y c n m fait faire font gere gerer gerent traite traiter lors chez comme combien
    tout tous toute toutes bonne bonnes pratique pratiques exemple exemples mise mettre mis idee
    idees savoir trouver chose choses aussi tres si mais donc car peut peuvent doit vs versus
    devient deviennent devienne devenir obtenir obtient obtiennent obtenu obtenue obtenus obtenues
    """.split()
)

STOPWORDS: frozenset[str] = GRAMMAR | FLUFF


def fold(text: str) -> str:
    """Strip accents and other diacritics: "réseau" and "reseau" must be the same word."""
    # ASCII text has nothing to fold, and a body is read by the thousand when the index is built:
    # the marks are looked up once per distinct character, not once per character.
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    for mark in {char for char in _NON_ASCII.findall(decomposed) if unicodedata.combining(char)}:
        decomposed = decomposed.replace(mark, "")
    return decomposed


# Shorthand typed on a phone, read as the word it stands for ("accountability to affected ppl" is the
# AAP phrase). One word for one, so the words stay aligned with :func:`raw_words`.
SHORTHAND: dict[str, str] = {
    "ppl": "people", "govt": "government", "gvt": "government", "hrs": "hours", "yrs": "years",
    "orgs": "organisations", "mgmt": "management", "intl": "international", "pls": "please", "plz": "please",
    "thx": "thanks",
}
_SHORTHAND_WORDS = frozenset(SHORTHAND)


def words(text: str) -> list[str]:
    """Folded, lower-cased words, stop words included (the query parser needs them)."""
    # What _WORD finds, in one pass of C instead of a string a word then lowered: every byte but an
    # ASCII letter or digit becomes a space (a character beyond ASCII is all bytes over 127), capitals
    # small letters, and the rest is split on the spaces. Surrogates pass as bytes over 127 too.
    lowered = fold(text).encode("utf-8", "surrogatepass").translate(_WORD_BYTES).decode("ascii").split()
    if _SHORTHAND_WORDS.isdisjoint(lowered):
        return lowered
    return [SHORTHAND.get(word, word) for word in lowered]


def raw_words(text: str) -> list[str]:
    """Folded words with their case kept, aligned with :func:`words`: "CAR" is a country, "car" is not."""
    return [match.group(0) for match in _WORD.finditer(fold(text))]


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one folded, lower-cased word; cached because corpora repeat words endlessly."""
    if len(word) <= 3 or word.isdigit():
        return word
    return str(_stemmer.stemWord(word))


def phrase_stems(tokens: list[str]) -> list[str]:
    """Stems of every word but the grammatical ones: what the thesaurus matches its phrases on."""
    return [stem(token) for token in tokens if token not in GRAMMAR]


def normalise(text: str) -> str:
    """One folded, lower-cased, single-spaced string, for fuzzy comparison with rapidfuzz."""
    return " ".join(words(text))
