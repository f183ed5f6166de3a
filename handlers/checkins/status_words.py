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


def read_status(text: str) -> Reading:
    """The status or control word a person meant, if it is clear enough."""
    cleaned = _normal(text)
    if not cleaned:
        return Reading(None, "")
    if cleaned in _PHRASES:
        return Reading(_PHRASES[cleaned], "")
    for phrase in _CHOICES:
        # A status word leading a longer answer: "delayed - the partner pulled out".
        if phrase != "-" and (cleaned.startswith(phrase + " ") and len(phrase) >= 3):
            rest = text.strip()[len(phrase):].lstrip(" ,.:;-–—")
            return Reading(_PHRASES[phrase], rest)
    if len(cleaned) > 30:
        return Reading(None, "")
    match = process.extractOne(cleaned, _CHOICES, scorer=fuzz.ratio, processor=utils.default_process,
                               score_cutoff=80)
    if match is None or len(match[0]) < 4:
        return Reading(None, "")
    return Reading(_PHRASES[match[0]], "")
