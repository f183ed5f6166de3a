"""The domain vocabulary: concepts (acronyms, synonyms, French terms), countries, product types.

The data lives in ``thesaurus.yaml`` so the secretariat can extend it without touching code; this
module compiles it into lookup tables once, when the search index is built.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.taxonomy import LANGUAGES, PRODUCT_TYPES, TOPICS
from knowledge.text import phrase_stems, raw_words, stem, words

BUNDLED_THESAURUS = Path(__file__).parent / "thesaurus.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The value a phrase of ``not_evidence`` takes in the concepts table: matched, then ignored.
NOT_EVIDENCE = ""


class ThesaurusError(Exception):
    """The thesaurus file is unusable; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    start: int
    end: int  # exclusive
    value: str


@dataclass(slots=True)
class _PhraseTable:
    """Phrases (tuples of words) looked up by their first word, longest first."""

    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=lambda: defaultdict(list))
    # Per first word, per length (longest first), the phrases of that length: one dictionary look-up
    # a length instead of a comparison a phrase ("humanitarian" opens dozens of them).
    _by_length: dict[str, list[tuple[int, dict[tuple[str, ...], str]]]] = field(default_factory=dict)

    def add(self, phrase: tuple[str, ...], value: str) -> None:
        if phrase:
            self.by_first[phrase[0]].append((phrase, value))

    def freeze(self) -> None:
        self._by_length = {}
        for first, candidates in self.by_first.items():
            candidates.sort(key=lambda item: -len(item[0]))
            lengths: dict[int, dict[tuple[str, ...], str]] = {}
            for phrase, value in candidates:
                # The first of equal phrases wins, as it did in the sorted list.
                lengths.setdefault(len(phrase), {}).setdefault(phrase, value)
            self._by_length[first] = sorted(lengths.items(), key=lambda item: -item[0])

    def scan(self, tokens: list[str]) -> list[PhraseMatch]:
        """Greedy, left to right, longest phrase first, no overlaps."""
        found: list[PhraseMatch] = []
        by_length = self._by_length
        if not by_length and self.by_first:
            self.freeze()  # a table filled and never frozen (tests build small ones by hand)
            by_length = self._by_length
        taken = 0
        # Only where a phrase can start: a product's body has hundreds of words and few of them
        # open a phrase, and finding those in one comprehension is what keeps an index build short.
        for position in [index for index, token in enumerate(tokens) if token in by_length]:
            if position < taken:
                continue
            for length, phrases in by_length[tokens[position]]:
                value = phrases.get(tuple(tokens[position:position + length]))
                if value is not None:
                    found.append(PhraseMatch(position, position + length, value))
                    taken = position + length
                    break
        return found


class Thesaurus:
    def __init__(self, data: dict[str, object], source: str) -> None:
        self.source = source
        self.concept_topics: dict[str, tuple[str, ...]] = {}
        # The topics a concept of no topic stands for when a question names no other topic's idea.
        self.concept_alone_topics: dict[str, tuple[str, ...]] = {}
        self.concepts = _PhraseTable()
        self.countries = _PhraseTable()
        self.countries_exact_case = _PhraseTable()
        self.types = _PhraseTable()
        self.languages = _PhraseTable()
        self.country_names: frozenset[str] = frozenset()
        # Any way of naming a country, folded and lower-cased, to its English name ("tchad" -> "Chad").
        self.country_aliases: dict[str, str] = {}
        self.country_names_fr: dict[str, str] = {}
        # Stems of the words of a situation ("weeks", "big", "arrived"): no evidence either way.
        self.context_stems: frozenset[str] = frozenset()
        # Every folded word the thesaurus knows: typo correction may aim at these.
        self.vocabulary: set[str] = set()
        self._compile(data)

    @classmethod
    def load(cls, path: Path = BUNDLED_THESAURUS) -> Thesaurus:
        try:
            # libyaml's parser when PyYAML has it: the same data, a third of a one-shot `hcbot ask` saved.
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
        except yaml.MarkedYAMLError as error:
            line = error.problem_mark.line + 1 if error.problem_mark else "?"
            raise ThesaurusError(f"{path}:{line}: bad YAML: {error.problem}") from error
        if not isinstance(data, dict):
            raise ThesaurusError(f"{path}: must be a mapping with concepts, countries, types, languages")
        return cls(data, str(path))

    def _section(self, data: dict[str, object], name: str) -> dict[str, object]:
        section = data.get(name)
        if not isinstance(section, dict):
            raise ThesaurusError(f"{self.source}: {name}: missing or not a mapping")
        return section

    def _forms(self, section: str, key: str, forms: object) -> list[str]:
        if not isinstance(forms, list) or not all(isinstance(form, str | int) for form in forms):
            raise ThesaurusError(f"{self.source}: {section}.{key}: forms must be a list of strings")
        return [str(form) for form in forms]

    def _compile(self, data: dict[str, object]) -> None:
        for name, entry in self._section(data, "concepts").items():
            if not isinstance(entry, dict):
                raise ThesaurusError(f"{self.source}: concepts.{name}: must have topics and forms")
            topics = entry.get("topics") or []
            unknown = [topic for topic in topics if topic not in TOPICS]
            if unknown:
                raise ThesaurusError(f"{self.source}: concepts.{name}.topics: unknown topic {unknown[0]!r}")
            self.concept_topics[name] = tuple(topics)
            alone = entry.get("alone") or []
            unknown = [topic for topic in alone if topic not in TOPICS]
            if unknown:
                raise ThesaurusError(f"{self.source}: concepts.{name}.alone: unknown topic {unknown[0]!r}")
            if alone:
                self.concept_alone_topics[name] = tuple(alone)
            for form in self._forms("concepts", name, entry.get("forms")):
                self.concepts.add(tuple(phrase_stems(words(form))), name)
                self.vocabulary.update(words(form))
        for form in self._forms("not_evidence", "forms", data.get("not_evidence") or []):
            self.concepts.add(tuple(phrase_stems(words(form))), NOT_EVIDENCE)
        context = self._forms("context", "forms", data.get("context") or [])
        self.context_stems = frozenset(stem(word) for form in context for word in words(form))
        names: list[str] = []
        for canonical, forms in self._section(data, "countries").items():
            names.append(canonical)
            for form in [canonical, *self._forms("countries", canonical, forms)]:
                self.country_aliases[" ".join(words(form))] = canonical
                # An all-capitals form ("CAR", "DRC") is an acronym that is also an ordinary word in
                # lower case, so it only counts when written in capitals.
                if form.isupper():
                    self.countries_exact_case.add(tuple(raw_words(form)), canonical)
                else:
                    self.countries.add(tuple(words(form)), canonical)
        self.country_names = frozenset(names)
        french = data.get("country_names_fr") or {}
        if not isinstance(french, dict):
            raise ThesaurusError(f"{self.source}: country_names_fr: must map English names to French ones")
        for english, name in french.items():
            if english not in self.country_names or not isinstance(name, str):
                raise ThesaurusError(f"{self.source}: country_names_fr.{english}: not a country of `countries`")
            self.country_names_fr[english] = name
        for product_type, forms in self._section(data, "types").items():
            if product_type not in PRODUCT_TYPES:
                raise ThesaurusError(f"{self.source}: types.{product_type}: not a product type")
            for form in self._forms("types", product_type, forms):
                self.types.add(tuple(words(form)), product_type)
        for language, forms in self._section(data, "languages").items():
            if language not in LANGUAGES:
                raise ThesaurusError(f"{self.source}: languages.{language}: not a language (en, fr)")
            for form in self._forms("languages", language, forms):
                self.languages.add(tuple(words(form)), language)
        for table in (self.concepts, self.countries, self.countries_exact_case, self.types, self.languages):
            table.freeze()

    def concept_matches(self, stems: list[str]) -> list[PhraseMatch]:
        return self.concepts.scan(stems)

    def country(self, name: str) -> str | None:
        """The English name of a country said any way the thesaurus knows, in any case or accents:
        "Tchad", "tchad", "République centrafricaine", "RCA" and "car" as a whole name; None if unknown."""
        return self.country_aliases.get(" ".join(words(name)))

    def country_name(self, english_name: str, language: str) -> str:
        """How a reply in ``language`` names a country: "Chad" -> "Tchad" in French."""
        if language == "fr":
            return self.country_names_fr.get(english_name, english_name)
        return english_name
