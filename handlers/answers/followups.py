"""Follow-ups that refine the last question instead of asking a new one: "and in Chad?", "any webinar
on that?", "en français ?", "more like the second one", "et au Tchad ?", "un webinaire là-dessus ?"."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge import ParsedQuery, SearchFilters, SearchIndex
from knowledge.text import stem, words

MAX_LENGTH = 80

# Words a follow-up is made of besides its filter: they carry no topic of their own.
_FILLER = frozenset(stem(word) for word in """
    and what about any anything on that this there same also too only please now one ones some is are
    else how then for those them it instead just maybe too those ok okay so but or
    et quoi ca cela aussi meme seulement plutot dessus ladessus sur sujet ce y a il t des un une pour
    alors mais ou question idem egalement
    """.split())
# Words that say "the same question, but": without one (or a question mark), "webinars in Chad" is a
# new request of its own.
_MARKERS = frozenset("and what about any also too only instead same that this et aussi plutot seulement "
                     "dessus ladessus meme cela ca".split())
_ENGLISH = frozenset("and what about any on that this in only please more like the for instead".split())

_SIMILAR = frozenset("like similar similaire similaires comme semblable semblables pareil pareils related "
                     "proche proches".split())
_ORDINALS = {
    "first": 1, "1st": 1, "premier": 1, "premiere": 1, "1er": 1, "1re": 1,
    "second": 2, "2nd": 2, "deuxieme": 2, "seconde": 2, "2e": 2, "2eme": 2,
    "third": 3, "3rd": 3, "troisieme": 3, "3e": 3, "3eme": 3,
    "fourth": 4, "4th": 4, "quatrieme": 4, "fifth": 5, "5th": 5, "cinquieme": 5,
}


@dataclass(frozen=True, slots=True)
class FollowUp:
    """``filters`` for a refinement, or ``position`` (1-based) for "more like that one"."""

    filters: SearchFilters = field(default_factory=SearchFilters)
    position: int | None = None
    language: str | None = None  # the language the follow-up is written in, when it says


def _language(tokens: list[str], parsed_language: str) -> str | None:
    if parsed_language == "fr":
        return "fr"
    return "en" if any(token in _ENGLISH for token in tokens) else None


def detect(index: SearchIndex, text: str, parsed: ParsedQuery | None = None) -> FollowUp | None:
    """The follow-up ``text`` is, or None when it is a question of its own. ``parsed``: ``text``
    parsed already (the caller searches with it next)."""
    if len(text) > MAX_LENGTH:
        return None
    tokens = words(text)
    if not tokens:
        return None
    if parsed is None:
        parsed = index.parse(text)
    language = _language(tokens, parsed.language)
    if any(token in _SIMILAR for token in tokens) and len(tokens) <= 8:
        numbers = [_ORDINALS[token] for token in tokens if token in _ORDINALS]
        numbers += [int(token) for token in tokens if token.isdigit() and 0 < int(token) <= 30]
        if numbers:
            return FollowUp(position=numbers[0], language=language)
    if not parsed.filters:
        return None
    if any(term not in _FILLER for term in parsed.content_stems):
        return None
    marked = "?" in text or any(token in _MARKERS for token in tokens)
    only_language = not parsed.filters.types and not parsed.filters.countries
    if not (marked or only_language):
        return None
    return FollowUp(filters=parsed.filters, language=language)


def refined(previous: SearchFilters, follow: SearchFilters) -> SearchFilters:
    """The filters of the last answer with the follow-up's: a new country replaces the old one."""
    return SearchFilters(
        types=follow.types or previous.types,
        countries=follow.countries or previous.countries,
        language=follow.language or previous.language,
    )


def filters_from_json(data: dict[str, object]) -> SearchFilters:
    types, countries, language = data.get("types"), data.get("countries"), data.get("language")
    return SearchFilters(
        types=frozenset(str(kind) for kind in types) if isinstance(types, list) else frozenset(),
        countries=frozenset(str(name) for name in countries) if isinstance(countries, list) else frozenset(),
        language=language if isinstance(language, str) else None,
    )
