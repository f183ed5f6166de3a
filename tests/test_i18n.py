"""The message catalogue: every sentence in both languages, with the same blanks to fill."""

from __future__ import annotations

import string

from handlers.i18n import both, keys


def blanks(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name}


def test_every_text_has_english_and_french_with_the_same_blanks() -> None:
    problems = []
    for key in sorted(keys()):
        english, french = both(key)
        if not english.strip() or not french.strip():
            problems.append(f"{key}: a language is empty")
        elif blanks(english) != blanks(french):
            problems.append(f"{key}: {sorted(blanks(english))} in English, {sorted(blanks(french))} in French")
    assert problems == []


def test_the_checker_sees_a_missing_blank() -> None:
    assert blanks("{count} products") == {"count"}
    assert blanks("des produits") == set()
