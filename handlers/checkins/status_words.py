"""Reading a status out of free text: "done", "fait", "en cours", "bloqué", "on trak".

Exact phrases first (longest wins, so "not started" is not "started"), then rapidfuzz for typos.
Anything else is "not understood": the check-in asks again rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz, process, utils

from knowledge.text import fold
from storage.models import Status


class Answer(Enum):
    SKIP = "skip"
    LATER = "later"
    SAME = "same"  # "yes", "still": the status asked about is still right
    NO_NOTE = "no_note"
    RESUME = "resume"  # "continue": back to the question after a detour
    BACK = "back"  # "back", "retour": the previous question (the previous action, or this one's status)


_VOCABULARY: dict[Status | Answer, str] = {
    Status.DONE: "done|finished|complete|completed|achieved|closed|delivered|fait|c est fait|termine|terminee|"
                 "fini|finie|acheve|accompli|realise|realisee|clos|cloture",
    Status.ON_TRACK: "on track|ontrack|in progress|ongoing|progressing|going well|started|moving|good progress|"
                     "en cours|en bonne voie|avance|ca avance|bien avance|progresse|demarre|commence",
    Status.DELAYED: "delayed|late|behind|slipping|slipped|postponed|running late|behind schedule|"
                    "en retard|retard|retarde|retardee|reporte|reportee|decale",
    Status.BLOCKED: "blocked|stuck|stalled|halted|suspended|on hold|frozen|cannot move|"
                    "bloque|bloquee|blocage|suspendu|suspendue|a l arret|en panne|gele",
    Status.NOT_STARTED: "not started|not yet started|not begun|yet to start|not yet|nothing yet|"
                        "pas commence|pas encore commence|pas demarre|pas encore|non commence|rien encore",
    Answer.SKIP: "skip|pass|next|passer|suivant|suivante|sauter",
    Answer.LATER: "later|not now|pause|stop|another time|plus tard|pas maintenant|apres|une autre fois",
    Answer.SAME: "yes|yep|yeah|still|same|unchanged|no change|as before|oui|toujours|pareil|inchange|"
                 "sans changement|comme avant|idem",
    Answer.NO_NOTE: "no|nope|none|no note|nothing|non|rien|aucune|pas de note|-",
    Answer.RESUME: "continue|resume|go on|carry on|back to it|continuer|reprendre|on continue|on reprend|"
                   "poursuivre",
    Answer.BACK: "back|go back|previous|previous one|retour|revenir|precedent|precedente|en arriere|"
                 "retour en arriere",
}
_PHRASES: dict[str, Status | Answer] = {
    phrase: meaning for meaning, phrases in _VOCABULARY.items() for phrase in phrases.split("|")
}

_CHOICES = sorted(_PHRASES, key=len, reverse=True)
_CLEAN = re.compile(r"[^a-z0-9 -]+")


def _normal(text: str) -> str:
    return " ".join(_CLEAN.sub(" ", fold(text).lower()).split())


@dataclass(frozen=True, slots=True)
class Reading:
    value: Status | Answer | None
    rest: str  # what followed the status word, kept as the start of a note ("delayed, waiting for funds")


def _leading(text: str) -> Reading | None:
    """The status or control word a message is, or starts with (no typo correction)."""
    cleaned = _normal(text)
    if cleaned in _PHRASES:
        return Reading(_PHRASES[cleaned], "")
    for phrase in _CHOICES:
        # A status word leading a longer answer: "delayed - the partner pulled out".
        if phrase != "-" and (cleaned.startswith(phrase + " ") and len(phrase) >= 3):
            rest = _after_words(text, len(phrase.split()))
            if _PHRASES[phrase] is Answer.SAME:
                # "toujours pareil", "yes, still delayed": the words after "still" say more.
                further = _leading(rest)
                if further is not None and (isinstance(further.value, Status) or further.value is Answer.SAME):
                    return further
            return Reading(_PHRASES[phrase], rest)
    return None


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _after_words(text: str, count: int) -> str:
    """``text`` after its first ``count`` words (the status phrase), without the punctuation between."""
    words = list(_WORD.finditer(text))
    if len(words) < count:
        return ""
    return text[words[count - 1].end():].lstrip(" ,.:;-–—!'\u2019").strip()


def bare_status(text: str) -> Status | None:
    """The status a message is made of, word for word ("en cours", "done"), or None. No typo
    matching: outside a check-in, a near miss is more likely a word of a question ("delivery")."""
    meaning = _PHRASES.get(_normal(text))
    return meaning if isinstance(meaning, Status) else None


def says_status(text: str) -> bool:
    """Whether ``text`` is one of the status or control phrases word for word ("pause", "done"),
    not merely near one as :func:`read_status` allows ("report" is 92 % "reporte")."""
    return _normal(text) in _PHRASES


def read_status(text: str) -> Reading:
    """The status or control word a person meant, if it is clear enough."""
    cleaned = _normal(text)
    if not cleaned:
        return Reading(None, "")
    leading = _leading(text)
    if leading is not None:
        return leading
    if len(cleaned) > 30:
        return Reading(None, "")
    match = process.extractOne(cleaned, _CHOICES, scorer=fuzz.ratio, processor=utils.default_process,
                               score_cutoff=80)
    if match is None or len(match[0]) < 4:
        return Reading(None, "")
    return Reading(_PHRASES[match[0]], "")


# What a question starts with, in English and French (accents folded): "how did others...",
# "comment ont fait...", "y a-t-il...", "any examples of...".
_QUESTION_STARTS = (
    "how", "what", "which", "who", "where", "when", "why", "whats", "hows", "is there", "are there",
    "is it", "any", "anything", "can", "could", "do", "does", "did", "should", "would", "have", "has",
    "example", "examples", "show me", "tell me", "i need", "i am looking", "looking for", "search", "find",
    "comment", "quel", "quelle", "quels", "quelles", "qui", "ou", "quand", "pourquoi", "combien",
    "est ce", "y a t il", "y a t", "existe t il", "avez vous", "peut on", "peux tu", "pouvez vous",
    "des exemples", "un exemple", "exemple", "exemples", "je cherche", "cherche", "trouver",
)
# Long words a typo should not hide ("comnent", "pourqoi", "whihc").
_FUZZY_STARTS = tuple(word for word in _QUESTION_STARTS if len(word) >= 5 and " " not in word)
# Words that carry no subject: a message of only these is no question to search.
_FILLER = frozenset(
    "the a an of to in on for and or with at by from is are was were be been it its this that these those "
    "i we you they he she my our your their me us them there here not no yes so but if then than as about "
    "have has had do does did can could would should will just also very more most some any all other others "
    "le la les un une des du de d l et ou en au aux pour par sur avec dans est sont ete a ce cet cette ces "
    "je nous vous ils elles il elle mon ma mes notre nos votre vos leur leurs pas ne plus tres aussi autres "
    "autre tout tous toutes comme que qui quoi what how why which who where when huh hein pardon comment "
    "quel quelle quels quelles pourquoi mean veut dire".split())


# A long message with these is someone reporting ("the ministry has not replied since June"), not asking.
_REPORTING = frozenset("we our us has have had was were been is are still yet not no nous notre nos ete est sont "
                       "toujours encore pas".split())
# A question inside a longer message: "After the earthquake 200 organisations came. What did others do?"
_ASKS_OTHERS = re.compile(
    r"\b(how (did|do|does|have|has|can|could|should|would|to|are|is)|what (did|do|does|have|has|can|could|should|"
    r"would|are|is|was|were)|which (operations?|countries|hcs?)|any (examples?|webinars?|case studies|products?)|"
    r"other (operations|hcs|countries|teams)|others (did|do|have|handle|handled)|"
    r"comment (ont|a|les|faire|font|d autres|gerer|organiser|mettre)|d autres (operations|ch|pays|equipes)|"
    r"des exemples|y a t il)\b")


def _question_text(text: str) -> str:
    return _normal(text.replace("-", " ").replace("'", " ").replace("\u2019", " "))


def _content_words(cleaned: str) -> list[str]:
    return [word for word in cleaned.split() if len(word) >= 3 and word not in _FILLER and not word.isdigit()]


def _starts_like_a_question(cleaned: str) -> bool:
    if any(cleaned == start or cleaned.startswith(start + " ") for start in _QUESTION_STARTS):
        return True
    first = cleaned.split()[0]
    return len(first) >= 5 and process.extractOne(first, _FUZZY_STARTS, scorer=fuzz.ratio, score_cutoff=80) is not None


def is_bare_question(text: str) -> bool:
    """"?", "what?", "huh?", "quoi ?": a person who did not follow, not a question to search nor a
    note to keep."""
    return text.rstrip().endswith("?") and not _content_words(_question_text(text))


def reads_as_question(text: str, *, at_note: bool = False) -> bool:
    """Whether a message in the middle of a check-in is a question to answer rather than an answer.

    A status or control word is always an answer ("on track", "fait", "bloqué : pas de
    financement", "skip"). Otherwise, at the status question, a question mark, a question word at
    the start or a long message (five words with a subject) is a question: nobody answers "where does
    it stand?" that way. At the note, anything is the note ("waiting for the governor's sign-off",
    "will they sign?") unless it clearly asks something: it ends with "?" and starts like a
    question ("how did others fund a PSEA coordinator?")."""
    if read_status(text).value is not None:
        return False
    cleaned = _question_text(text)
    content = _content_words(cleaned)
    if not content:
        return False  # "?", "ok?", "hmm": nothing to search; the check-in asks again
    asks = text.rstrip().endswith("?")
    if at_note:
        return asks and (_starts_like_a_question(cleaned) or _ASKS_OTHERS.search(cleaned) is not None)
    if asks or "?" in text or _starts_like_a_question(cleaned) or _ASKS_OTHERS.search(cleaned):
        return True
    return len(content) >= 5 and not _REPORTING.intersection(cleaned.split())


# "oops, undo that, I meant still on track", "non pardon, je voulais dire bloqué": the last answer
# was a slip. Words that say so, not "sorry" alone (a note may start "sorry, still waiting").
_CORRECTION = re.compile(
    r"\b(oops|oups|whoops|undo|i meant|meant to say|wrong button|my mistake|my bad|not that one|"
    r"annule|annuler|je voulais dire|je me suis trompe|je me suis trompee|erreur de bouton|mauvais bouton)\b")
_STATUS_PHRASES = sorted((phrase for phrase, meaning in _PHRASES.items() if isinstance(meaning, Status)),
                         key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Correction:
    status: Status | None  # the status meant instead, when the message says it


def read_correction(text: str) -> Correction | None:
    """A message taking the last answer back, and the status it meant instead (the last one it
    names: "undo, not done, I meant on track" is on track)."""
    cleaned = _normal(text.replace("'", " ").replace("\u2019", " "))
    found = _CORRECTION.search(cleaned)
    if found is None:
        return None
    after = cleaned[found.end():]
    taken: list[tuple[int, int, Status]] = []
    for phrase in _STATUS_PHRASES:  # longest first: "not started" takes its words before "started"
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", after):
            meaning = _PHRASES[phrase]
            if isinstance(meaning, Status) and not any(start < match.end() and match.start() < end
                                                       for start, end, _ in taken):
                taken.append((match.start(), match.end(), meaning))
    # The last status named is the one meant.
    return Correction(max(taken, key=lambda found: found[0])[2] if taken else None)


# What joins a status to a question in one message: "done, and how did others ...?", "fait. Et
# comment ...?". A question right after a dash stays the note ("Delayed - how do we get the
# governor to sign?" is what is in the way).
_JOINED = re.compile(r"^(and|also|plus|btw|by the way|question|et|aussi|au fait|autre question|sinon)\b[\s,:]*",
                     re.IGNORECASE)


def split_question(text: str) -> tuple[Status | Answer, str] | None:
    """A status answer and a question in one message, or None: (the status or "same", the question)."""
    reading = read_status(text)
    if not isinstance(reading.value, Status) and reading.value is not Answer.SAME:
        return None
    if not reading.rest:
        return None
    question = reading.rest
    joined = _JOINED.match(_fold_start(question))
    ended = re.search(r"[.!\n]\s*" + re.escape(question[:20]), text) is not None
    if joined is not None:
        question = question[joined.end():].strip()
    elif not ended:
        return None
    if not question or not reads_as_question(question, at_note=True):
        return None
    return reading.value, question


def _fold_start(text: str) -> str:
    # Same length as ``text`` (the match's end indexes it): only accents are folded.
    folded = fold(text)
    return folded if len(folded) == len(text) else text
