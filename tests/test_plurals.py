"""Plurals by the languages' own rules (Babel's CLDR data), numbers written the language's way, and
French typography across the whole catalogue."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from handlers.i18n import NBSP, NNBSP, both, colon, french_typography, keys, number, plural_forms, plural_keys, t, tn
from handlers.router import default_commands

ROOT = Path(__file__).resolve().parent.parent


def blanks(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name}


def test_english_says_one_day_and_zero_days() -> None:
    assert t("plan.days_left", "en", days=1) == "1 day left"
    assert t("plan.days_left", "en", days=0) == "0 days left"
    assert t("plan.days_left", "en", days=2) == "2 days left"
    assert tn("plan.overdue_count", 1, "en") == "1 action overdue."
    assert tn("plan.overdue_count", 3, "en") == "3 actions overdue."


def test_french_counts_zero_and_one_as_singular() -> None:
    assert t("plan.days_late", "fr", days=0) == "0 jour de retard"
    assert t("plan.days_late", "fr", days=1) == "1 jour de retard"
    assert t("plan.days_late", "fr", days=2) == "2 jours de retard"
    assert t("plan.age", "fr", days=12) == "il y a 12 jours"
    assert tn("topics.count", 1, "fr") == "1 produit"
    assert tn("topics.count", 0, "fr") == "0 produit"
    assert tn("topics.count", 7, "en") == "7 products"


def test_a_sentence_with_several_numbers_follows_count() -> None:
    sent = t("broadcast.sent", "en", id=12, count=1, skipped=3)
    assert sent.startswith("Broadcast 12 is on its way to 1 person ")


def test_numbers_are_written_the_languages_way_but_ids_are_not() -> None:
    assert number(2000, "en") == "2,000"
    assert number(2000, "fr") == f"2{NNBSP}000"
    assert tn("topics.count", 2000, "en") == "2,000 products"
    assert tn("topics.count", 2000, "fr") == f"2{NNBSP}000 produits"
    # An id is typed back ("/broadcast status 1234"): no separator in it.
    assert "status 1234" in t("broadcast.sent", "en", id=1234, count=2, skipped=0)


def test_every_plural_entry_has_both_languages_and_the_forms_their_rules_need() -> None:
    problems = []
    for key in sorted(plural_keys()):
        english, french = plural_forms(key)
        for language, forms in (("en", english), ("fr", french)):
            if set(forms) != {"one", "other"} or not all(text.strip() for text in forms.values()):
                problems.append(f"{key} {language}: forms {sorted(forms)}")
        other = blanks(english["other"])
        if blanks(french["other"]) != other:
            problems.append(f"{key}: the 'other' forms' blanks differ")
        for language, forms in (("en", english), ("fr", french)):
            if not blanks(forms["one"]) <= other:
                problems.append(f"{key} {language}: 'one' has a blank 'other' has not")
    assert problems == []


def test_no_action_s_anywhere() -> None:
    """No "action(s)", "day(s)", "product(s)", "mise(s)" in a sentence a person reads."""
    texts = [text for key in keys() for text in both(key)]
    texts += [form for key in plural_keys() for forms in plural_forms(key) for form in forms.values()]
    assert [text for text in texts if "(s)" in text] == []
    # The chat's own code (the shell's operator reports in bot/cli.py and reconcile's summary are not
    # read in a chat, and are not checked here).
    chat_code = [*(ROOT / "handlers" / "checkins").glob("*.py"), ROOT / "handlers" / "router.py",
                 ROOT / "handlers" / "answers" / "questions.py", ROOT / "handlers" / "broadcasts" / "notices.py"]
    assert [path.name for path in chat_code if "(s)" in path.read_text(encoding="utf-8")] == []


def _french_texts() -> dict[str, str]:
    texts = {key: t(key, "fr") for key in keys()}
    for key in plural_keys():
        for category, form in plural_forms(key)[1].items():
            texts[f"{key}[{category}]"] = french_typography(form)
    for command in default_commands():
        texts[f"/{command.french}"] = command.help_fr
    return texts


# A mark used as punctuation: followed by a space, the end, or a closing guillemet or bracket.
_HIGH_MARK = re.compile(r"(.)([:;?!])(?=\s|$|»|\))")


def test_french_sets_a_no_break_space_before_high_marks_and_inside_guillemets() -> None:
    problems = []
    for key, text in _french_texts().items():
        for match in _HIGH_MARK.finditer(text):
            before, mark = match.groups()
            if before not in (NBSP, NNBSP):
                problems.append(f"{key}: {mark!r} after {before!r} in {text!r}")
        if re.search(r"«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»", text):
            problems.append(f"{key}: guillemets without a no-break space in {text!r}")
    assert problems == []


@pytest.mark.parametrize(("written", "typeset"), [
    ("Quel sujet ?", f"Quel sujet{NNBSP}?"),
    ("Quel sujet? Par exemple", f"Quel sujet{NNBSP}? Par exemple"),
    ("Statut : fait ; merci !", f"Statut{NBSP}: fait{NNBSP}; merci{NNBSP}!"),
    ("le sujet « {name} ».", f"le sujet «{NBSP}{{name}}{NBSP}»."),
    ("à 2026-12-01 09:00, https://example.org/a?b=1", "à 2026-12-01 09:00, https://example.org/a?b=1"),
    ("webinar: title", "webinar: title"),
])
def test_french_typography(written: str, typeset: str) -> None:
    assert french_typography(written) == typeset


def test_values_are_not_retypeset_and_english_is_left_alone() -> None:
    # A plan title is the person's own text: it goes in as written.
    assert t("report.ready", "fr", plan="Plan : A ?") == "Voici le projet de mise à jour pour Plan : A ?."
    assert t("topic.missing", "en") == "Which topic? For example: /topic psea. Type /topics to see them all."
    assert colon("fr") == f"{NBSP}:"
    assert colon("en") == ":"
