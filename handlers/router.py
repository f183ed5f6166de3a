"""One entry point for every platform: an incoming message in, replies out.

Each message is handled in one database transaction: the answer, the check-in step and the logged
question are committed together, or not at all. Errors are turned into replies here and only here:
an expected error (:class:`HcbotError`) becomes its one friendly sentence; anything else is logged
with its traceback and the person gets a short apology. Either way the conversation goes on.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from rapidfuzz.distance import DamerauLevenshtein

from handlers import accounts
from handlers.answers import questions
from handlers.answers.bridge import small_talk
from handlers.broadcasts import notices
from handlers.checkins import dialogue, plans, submissions
from handlers.checkins.status_words import read_correction, reads_as_question, says_status, split_question
from handlers.context import HandlerContext, Turn
from handlers.errors import HcbotError
from handlers.i18n import french_typography, t
from handlers.messages import Incoming, Reply, ReplyBuilder, bold, reply_to_json, text_reply
from handlers.peers import chat as peers_chat
from handlers.secretariat import overview as plans_overview
from handlers.secretariat import web_desk
from handlers.secretariat.tickets import answering, overview
from knowledge.text import fold
from storage import events, outbox
from storage import repositories as repo
from storage.database import Session
from storage.desk import LINK_REPLY_PREFIX
from storage.models import CheckinSession, CheckinStep, Person, Role

logger = logging.getLogger(__name__)

# Small talk that cannot be an answer to a check-in question.
CHECKIN_SMALL_TALK = frozenset({"greeting", "thanks", "bye"})


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the replies to a live message go: a chat, maybe a thread in it."""

    platform: str
    chat_id: str
    thread: str | None = None
    # A chat others read (a Slack channel): what is said there is treated as said in public.
    shared: bool = False


@dataclass(frozen=True, slots=True)
class QueuedReply:
    """A reply written to the outbox, claimed for sending at once, with its row."""

    outbox_id: int
    reply: Reply
    claimed: outbox.Claimed

HandlerFunction = Callable[[Turn, str], Awaitable[list[Reply]]]


class Audience(Enum):
    """Who /help shows a command to. The handler still checks who may use it, and says why not."""

    EVERYONE = "everyone"
    STRANGERS = "strangers"  # /link: a linked chat has no use for it
    REGISTERED = "registered"  # anyone with a registration: check-ins, notices
    REPORTERS = "reporters"  # the HC and the secretariat: the update to the ERC is theirs
    SECRETARIAT = "secretariat"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: HandlerFunction
    french: str
    french_help: str
    aliases: tuple[str, ...] = ()
    audience: Audience = Audience.EVERYONE

    @property
    def help(self) -> str:
        """The handler's one-line docstring is its /help text, so the two never drift apart."""
        return (self.handler.__doc__ or "").strip().splitlines()[0]

    @property
    def help_fr(self) -> str:
        return french_typography(self.french_help)

    def shown_to(self, person: Person | None) -> bool:
        if person is None:
            return self.audience in (Audience.EVERYONE, Audience.STRANGERS)
        if person.role in (Role.SECRETARIAT, Role.ADMIN):
            return True
        if self.audience is Audience.REPORTERS:
            return person.role is Role.HC
        return self.audience in (Audience.EVERYONE, Audience.REGISTERED)


async def _help(turn: Turn, _args: str) -> list[Reply]:
    """List what I can do."""
    return [help_reply(default_commands(), turn.language, turn.person)]


async def _start(turn: Turn, args: str) -> list[Reply]:
    """Telegram's first message: "/start CODE" from an invite link, or a plain "/start"."""
    if args.strip():
        linked = await accounts.link(turn, args)
        return [*linked, help_reply(default_commands(), turn.language, turn.person)]
    return [help_reply(default_commands(), turn.language, turn.person)]


def default_commands() -> list[Command]:
    return [
        Command("help", _help, "aide", "Voir ce que je sais faire."),
        Command("ask", questions.ask, "question",
                "Demander comment d'autres opérations ont fait (ou tapez simplement la question)."),
        Command("more", questions.more, "plus", "Voir les résultats suivants.", ("suite",)),
        Command("read", questions.read, "lire", "Lire un produit ici : /lire 2 ou /lire et son identifiant."),
        Command("topics", questions.topics, "sujets", "Voir les sujets de la bibliothèque.", ("themes",)),
        Command("topic", questions.topic, "sujet", "Parcourir un sujet : /sujet peas.", ("theme",)),
        Command("pass", questions.pass_on, "transmettre", "Transmettre votre dernière question au secrétariat P2P, "
                "avec une note si vous voulez : /transmettre il nous le faut en anglais."),
        Command("checkin", plans.start_checkin, "point",
                "Faire le point sur vos actions une par une (/point), ou sur l'une d'elles (/point 3).",
                audience=Audience.REGISTERED),
        Command("update", plans.update, "maj",
                "Mettre à jour une action en un message : /maj 3 fait \"la note\".", audience=Audience.REGISTERED),
        Command("history", plans.history, "historique",
                "Les mises à jour d'une action : dates, auteurs, notes (/historique 3).",
                audience=Audience.REGISTERED),
        # The words people reach for first: the plan's state and its deadline, and the draft.
        Command("plan", plans.plan_view, "plan",
                "Votre plan en un coup d'œil : statuts, ancienneté, retards.",
                ("status", "statut", "deadline", "echeance", "échéance"), audience=Audience.REGISTERED),
        Command("report", plans.report, "rapport",
                "Le projet de mise à jour au CSU, en document Word à modifier et envoyer (/rapport ou /rapport PLAN).",
                ("draft", "brouillon"), audience=Audience.REGISTERED),
        Command("pause", plans.pause, "pause",
                "Suspendre vos points et rappels : /pause 2s (ou 10j, 1m) ; /pause off pour reprendre.",
                audience=Audience.REGISTERED),
        Command("submitted", submissions.submitted, "envoye",
                "Marquer la mise à jour comme envoyée au CSU (confirmation demandée) : ses rappels s'arrêtent ; "
                "/envoye annuler dans les 7 jours.", audience=Audience.REPORTERS),
        Command("share", peers_chat.share, "partage",
                "Ce que les autres opérations voient de votre plan : /partage aucun, pairs ou tous.",
                ("partager",), audience=Audience.REPORTERS),
        Command("peers", peers_chat.peers, "pairs",
                "Les autres opérations qui ont une action sur un sujet : /pairs peas.", audience=Audience.REGISTERED),
        Command("plans", plans_overview.plans, "tableau",
                "Tous les plans d'un coup d'œil, les plus urgents d'abord : /tableau retard, /tableau OPÉRATION "
                "(un CH voit les siens).", audience=Audience.REPORTERS),
        Command("link", accounts.link, "lier",
                "Lier ce compte à votre inscription avec le code reçu du secrétariat (/lier CODE).",
                audience=Audience.STRANGERS),
        Command("notices", notices.notices, "annonces",
                "Arrêter ou reprendre les annonces du secrétariat : /annonces off, /annonces on.",
                audience=Audience.REGISTERED),
        Command("follow", notices.follow, "suivre", "Recevoir les annonces sur un sujet : /suivre peas.",
                audience=Audience.REGISTERED),
        Command("unfollow", notices.unfollow, "nepassuivre",
                "Ne plus recevoir les annonces sur un sujet : /nepassuivre peas (ou tout).",
                audience=Audience.REGISTERED),
        Command("broadcast", notices.start, "annonce",
                "Secrétariat : rédiger une annonce (texte, public, aperçu, envoi) ; /annonce liste, statut N, "
                "annuler N.", audience=Audience.SECRETARIAT),
        Command("questions", overview.questions, "questions",
                "Secrétariat : les questions transmises en attente, et ce que l'on demande souvent.",
                audience=Audience.SECRETARIAT),
        Command("answer", answering.answer, "repondre",
                "Secrétariat : répondre à une question transmise : /repondre 7 et votre réponse.",
                ("répondre", "reponse", "réponse"), audience=Audience.SECRETARIAT),
        Command("desk", web_desk.desk, "bureau",
                "Secrétariat : un lien de connexion au bureau web (plans, questions, annonces, tendances), "
                "valable 10 minutes.", audience=Audience.SECRETARIAT),
        Command("close", answering.close, "clore",
                "Secrétariat : clore une question transmise sans y répondre : /clore 7.", ("fermer",),
                audience=Audience.SECRETARIAT),
    ]


# Commands never taken without their slash: "question" or "answer" alone is as likely the start of
# a sentence as the command.
_NOT_BARE = frozenset({"ask", "answer"})
_NUMBERED = frozenset({"read", "history", "checkin", "questions", "close", "more"})
_TOPICAL = frozenset({"topic", "peers", "follow", "unfollow"})
# A plan's code has a letter and a hyphen or a digit ("sahelia-2026", "opr2"); "plan 2" means action 2.
_PLAN_CODE = re.compile(r"^(?=.*[a-z])(?:[a-z0-9]+(?:-[a-z0-9]+)+|(?=.*\d)[a-z0-9]+)$", re.IGNORECASE)
_ACTION_NUMBER = 3
"""Digits an action's number has at most (ticket numbers, for /questions and /close, may have more)."""
# "status 2", "échéance 2": that action's updates, in the language of the word typed.
_ACTION_WORDS = {"status": "history", "deadline": "history", "statut": "historique", "echeance": "historique",
                 "échéance": "historique", "plan": ""}
# Whole sentences that ask for a command: what the library covers, and what the bot can do.
# Each names the command in the phrase's language: "/sujets" answers "quels sujets ?" in French.
# "menu" is both languages' word: "" runs /help or /aide, whichever the person reads.
_ASKING_FOR = {phrase: command for command, phrases in {
    "topics": ("what topics", "which topics", "what topics do you cover", "what topics do you have",
               "what do you cover", "list topics", "list of topics", "list the topics", "topics list"),
    "sujets": ("quels sujets", "quels themes", "quels sont les sujets", "liste des sujets", "liste des themes",
               "quels sujets couvrez vous", "de quels sujets"),
    "": ("menu",),
    "help": ("what can you do", "what do you do", "how does this work", "how do i use this", "commands",
             "list commands"),
    "aide": ("que sais tu faire", "que savez vous faire", "que peux tu faire", "que pouvez vous faire", "commandes",
             "comment ca marche", "comment ca fonctionne"),
}.items() for phrase in phrases}


def _takes(turn: Turn, name: str, rest: list[str]) -> bool:
    """Whether ``rest`` has the shape of the arguments command ``name`` takes when typed bare."""
    first = rest[0].lower()
    if name == "update":
        return first.isdigit() and len(first) <= _ACTION_NUMBER and len(rest) >= 2
    if name == "pause":  # "pause 3 semaines" as well as "pause 2w"
        return plans.parse_pause(" ".join(rest)) is not None or " ".join(rest).lower() in plans.PAUSE_OFF
    if len(rest) > 1:
        return False
    if name in _NUMBERED:
        return first.isdigit() and len(first) <= (9 if name in ("questions", "close") else _ACTION_NUMBER)
    if name in _TOPICAL:
        return questions.resolve_topic(turn.context, first) is not None or (
            name == "unfollow" and first in ("all", "tout"))
    if name == "notices":
        return first in ("on", "off")
    if name in ("plan", "report", "plans"):
        return _PLAN_CODE.match(first) is not None or (name == "plans" and first in ("overdue", "retard"))
    if name == "link":
        return accounts.looks_like_code(rest[0])
    return False


# Not listed in /help: Telegram sends it by itself when a person opens the bot or an invite link.
START = Command("start", _start, "demarrer", "")


def help_reply(commands: Sequence[Command], language: str, person: Person | None) -> Reply:
    """/help: the commands this person may use, and for a stranger how to get the rest."""
    builder = ReplyBuilder().add(t("help.intro", language))
    for command in commands:
        if not command.shown_to(person):
            continue
        name = command.french if language == "fr" else command.name
        builder.add(bold(f"/{name}"), " " + (command.help_fr if language == "fr" else command.help))
    builder.add(t("help.example", language))
    if person is None:
        builder.add(t("invite.how", language))
    return builder.build()


def _garbled(text: str) -> bool:
    """A NUL byte or a lone surrogate (invalid UTF-8 read from a terminal, a broken client): no
    database stores them, and no person meant them."""
    return any(character == "\x00" or "\ud800" <= character <= "\udfff" for character in text)


def _log_route(message: Incoming, turn: Turn | None) -> None:
    # The branch, never the words: logs are no place for what people write. An expected error
    # (bad input in a draft, say) was still handled by its branch; one before any branch is "refused".
    if turn is None or not turn.route:
        logger.info("%s message refused before routing", message.platform, extra={"route": "refused"})
        return
    logger.info("%s message handled by %s", message.platform, turn.route, extra={"route": turn.route})


class Router:
    def __init__(self, context: HandlerContext, commands: Sequence[Command] | None = None) -> None:
        self.context = context
        self.commands = list(commands or default_commands())
        self._by_name: dict[str, tuple[Command, str]] = {}
        for command in [*self.commands, START]:
            self._by_name[command.name] = (command, "en")
            self._by_name.setdefault(command.french, (command, "fr"))
            for alias in command.aliases:
                # "" says no language: an alias may be French ("/suite"), English ("/draft") or both
                # ("/theme"), and typing one must not switch the person's language.
                self._by_name.setdefault(alias, (command, ""))

    async def _bare_command(self, turn: Turn, text: str) -> str | None:
        """A command typed without its slash ("read 2", "aide", "topic psea", "maj 3 fait"), as
        ``/read 2``; None for anything else. On a phone the slash is one more key to find, and
        searched as a question these found nothing. Only a command this person is shown, with
        arguments of the shape it takes, so that "plan for the winter?" stays a question."""
        said = text.strip().rstrip("?!. ")
        folded_phrase = " ".join(fold(said).lower().replace("'", " ").replace("-", " ").split())
        phrase_command = _ASKING_FOR.get(folded_phrase)
        if phrase_command is not None:
            return "/" + (phrase_command or ("aide" if turn.language == "fr" else "help"))
        tokens = said.split()
        if not tokens or said.startswith("/"):
            return None
        # The name as the table has it: "thèmes" is the alias "themes", and "/thèmes" is unknown.
        first = tokens[0].lower() if tokens[0].lower() in self._by_name else fold(tokens[0]).lower()
        found = self._by_name.get(first)
        if found is None:
            return None
        command = found[0]
        if (first in _ACTION_WORDS and len(tokens) == 2 and tokens[1].isdigit()
                and len(tokens[1]) <= _ACTION_NUMBER and command.shown_to(turn.person)):
            history = _ACTION_WORDS[first] or ("historique" if turn.language == "fr" else "history")
            return f"/{history} {tokens[1]}"
        if len(tokens) > 6 and command.name != "update":  # "maj 3 fait" may carry a long note
            return None
        if command is START or command.name in _NOT_BARE or not command.shown_to(turn.person):
            return None
        rest = tokens[1:]
        if rest and not _takes(turn, command.name, rest):
            return None
        open_checkin = await self._open_checkin(turn)
        if open_checkin is not None and not rest and (open_checkin.step is CheckinStep.ASK_NOTE
                                                      or says_status(text)):
            # A lone word at the note ("plan") is the note asked for, and "pause" or "stop" at a
            # status is the check-in's own "later"; "report" (near "reporté") is the command, and
            # so is anything with arguments of its shape ("read 2", "maj 3 fait", "pause 2w").
            return None
        if command.name == "update":
            # The note as typed, its last full stop or question mark included.
            return "/" + " ".join([first, text.strip().split(maxsplit=1)[1]])
        return "/" + " ".join([first, *rest])

    def _nearest_command(self, name: str, person: Person | None, language: str) -> str | None:
        """The command ``name`` is a typo of ("/topci" for /topic, "/sujt" for /sujet): one slip
        in a short name, two in a longer one (a swap of two letters is one), among the commands
        this person is shown, so that nobody learns of a command they may not use."""
        if not name or len(name) > 40:
            return None
        allowed = 1 if len(name) <= 4 else 2
        best: tuple[int, bool, str] | None = None
        for known, (command, _language) in self._by_name.items():
            if command is START or not command.shown_to(person):
                continue
            distance = DamerauLevenshtein.distance(name, known, score_cutoff=allowed)
            if distance > allowed:
                continue
            # An alias ("/suite") is named by the command's name as /help lists it to this person
            # ("/plus"), and loses a tie to a name that is listed ("/suivi": /suivre, not /suite).
            alias = known not in (command.name, command.french)
            shown = (command.french if language == "fr" else command.name) if alias else known
            if best is None or (distance, alias) < best[:2]:
                best = (distance, alias, shown)
        return best[2] if best is not None else None

    async def handle(self, message: Incoming) -> list[Reply]:
        """Replies to one incoming message without queueing them (tests and benchmarks look at the
        replies themselves); never raises. Live messages take :meth:`handle_live`."""
        turn: Turn | None = None
        try:
            async with self.context.database.transaction() as session:
                turn = await self._turn(session, message)
                replies = await self._dispatch(turn)
                _log_route(message, turn)
                return replies
        except HcbotError as error:
            _log_route(message, turn)
            return [text_reply(error.user_message(self._language(message, turn)))]
        except Exception:
            logger.exception("handler failed for %s user %s", message.platform, message.user_id)
            return [text_reply(t("error", self._language(message, turn)))]

    async def handle_live(self, message: Incoming, destination: Destination) -> list[QueuedReply] | None:
        """Answers a live message in one transaction: its event key is recorded, the state it
        changes (a check-in answer, the question log) is applied and its replies are written to
        the outbox, already claimed for sending, together or not at all. A crash before the commit
        leaves the platform's redelivery to be handled; one between the commit and the send leaves
        the replies in doubt, as a crash during any send does (never sent twice).

        Returns the queued replies, for the caller to send at once; None when this delivery was handled before.
        Never raises for a handler's error: the person gets one sentence in their language."""
        turn: Turn | None = None
        try:
            async with self.context.database.transaction() as session:
                if not await self._first_time(session, message):
                    return None
                # Whatever the request says, replies bound for a chat others read are written as
                # for that chat: no handler may take it for the person's private one.
                public = replace(message, shared=True) if destination.shared else message
                turn = await self._turn(session, public)
                replies = await self._dispatch(turn)
                _log_route(message, turn)
                return await self._queue(session, message, destination, replies, turn)
        except HcbotError as error:
            _log_route(message, turn)
            replies = [text_reply(error.user_message(self._language(message, turn)))]
        except Exception:
            logger.exception("handler failed for %s user %s", message.platform, message.user_id)
            replies = [text_reply(t("error", self._language(message, turn)))]
        # The handler's work was rolled back; the delivery is still recorded, with its one sentence,
        # so that a message that always fails is not redelivered forever.
        async with self.context.database.transaction() as session:
            if not await self._first_time(session, message):
                return None
            return await self._queue(session, message, destination, replies, None, language=self._language(
                message, turn))

    async def _first_time(self, session: Session, message: Incoming) -> bool:
        return message.event_key is None or await events.first_time(session, message.event_key, self.context.now())

    async def _turn(self, session: Session, message: Incoming) -> Turn:
        person = await repo.person_by_identity(session, message.platform, message.user_id)
        now = self.context.now()
        if person is not None:
            await accounts.seen(session, message.platform, message.user_id, message.chat_id, now)
        return Turn(message, self.context, now, session, person)

    async def _queue(self, session: Session, message: Incoming, destination: Destination, replies: list[Reply],
                     turn: Turn | None, *, language: str | None = None) -> list[QueuedReply]:
        """The replies as outbox rows for the destination chat, claimed: the caller sends them as
        soon as this transaction commits (a claim of their own was one more transaction a message,
        a sixth of its CPU). The delivery's own key is recorded
        in this same transaction, so a redelivery never gets here; the rows' keys are new each time
        (a platform may reuse an id after a week: Telegram's update ids restart at random)."""
        key = uuid.uuid4().hex
        person_id = turn.person.id if turn is not None and turn.person is not None else None
        spoken = language or (turn.language if turn is not None else "en")
        queued = []
        for number, reply in enumerate(replies):
            # A reply holding a secret (the desk's sign-in link) is marked by its key, to be blanked once sent.
            row = await outbox.enqueue_claimed_reply(
                session, dedupe_key=f"{LINK_REPLY_PREFIX if reply.secret else 'reply:'}{key}:{number}",
                person_id=person_id,
                platform=destination.platform, chat_id=destination.chat_id, thread=destination.thread,
                payload={**reply_to_json(reply), "language": spoken}, now=self.context.now())
            if row is not None:
                queued.append(QueuedReply(row.id, reply, row))
        return queued

    def _language(self, message: Incoming, turn: Turn | None) -> str:
        """The reply language as the handler left it (a command may just have switched it)."""
        if turn is not None:
            return turn.language
        return self.context.memory.languages.get(f"{message.platform}:{message.user_id}", "en")

    async def _dispatch(self, turn: Turn) -> list[Reply]:
        message = turn.message
        if message.unreadable:
            turn.route = "unreadable"
            # As an empty text it would be taken for an answer in the middle of a check-in.
            language = turn.language if turn.person is not None else (message.platform_language or turn.language)
            return [text_reply(t("text_only", language))]
        if _garbled(message.text):
            turn.route = "garbled"
            return [text_reply(t("input.garbled", turn.language))]
        confirmed = await submissions.answer_waiting(turn)
        if confirmed is not None:
            # "yes" / "non" right after "Mark the update as sent?": the last question asked is the
            # one answered, before any dialogue that was waiting behind it.
            turn.route = "submitted-answer"
            return confirmed
        if message.button is not None:
            turn.route = f"button:{message.button.partition(':')[0]}"
            return await self._press(turn, message.button)
        text = message.text.strip()
        if not text.startswith("/") or answering.is_cancel(text):
            # An answer being written to a passed question takes the secretariat member's words
            # first: it is the shorter dialogue, and the one they started last.
            answer_draft = await answering.open_draft(turn)
            if answer_draft is not None:
                turn.route = "answer-draft"
                return await answering.continue_draft(turn, answer_draft, text)
        if not text.startswith("/") or notices.is_cancel(text):
            draft = await notices.open_draft(turn)
            if draft is not None:
                turn.route = "broadcast-draft"
                return await notices.answer(turn, draft, text)
        if not text.startswith("/"):
            spelled = await self._bare_command(turn, text)
            if spelled is not None:
                turn.route = "bare-command"
                text = spelled
        if not text.startswith("/"):
            judged = answering.reaction_kind(turn, text)
            reacted = await answering.reaction(turn, judged)
            if reacted is not None:
                # "thanks" or "not what I needed" to the secretariat's answer, just received.
                turn.route = "ticket-reaction"
                return reacted + await self._checkin_reminder(turn)
            open_checkin = await self._open_checkin(turn)
            if open_checkin is not None and turn.person is not None:
                at_note = open_checkin.step is CheckinStep.ASK_NOTE
                chat = small_talk(self.context.index, text)
                coming_back = chat is not None and chat.kind == "greeting" and open_checkin.step is CheckinStep.PAUSED
                if chat is not None and chat.kind in CHECKIN_SMALL_TALK and not coming_back:
                    # "merci", "hello" mid-check-in: a short line, and the check-in waits. "ok",
                    # "no", "oui" are left to the dialogue: at the note, "no" means no note. A
                    # greeting after "later" is someone coming back: it resumes, as any message does.
                    turn.route = "checkin-small-talk"
                    return [text_reply(t(f"smalltalk.{chat.kind}", chat.language or turn.language)),
                            await dialogue.after_question(turn.session, open_checkin, turn.language)]
                asking_status = open_checkin.step is CheckinStep.ASK_STATUS
                mixed = split_question(text) if asking_status and read_correction(text) is None else None
                if mixed is not None:
                    # "done, and how did others fund a PSEA coordinator?": the status is saved (said
                    # back), the question answered, and the check-in offers to go on.
                    turn.route = "checkin-answer-and-question"
                    meant, question = mixed
                    saved, goes_on = await dialogue.record_status(turn.session, turn.person, open_checkin, meant,
                                                                  message.platform, turn.now, turn.language)
                    answered = await questions.ask(turn, question)
                    if not goes_on:
                        return [saved, *answered]
                    return [saved, *answered, await dialogue.after_question(turn.session, open_checkin, turn.language)]
                if read_correction(text) is None and reads_as_question(text, at_note=at_note):
                    # "How did others fund a PSEA coordinator?" in the middle of a check-in is a
                    # question: answered, and the check-in waits where it was (paused stays paused).
                    turn.route = "checkin-question"
                    answered = await questions.ask(turn, text)
                    return [*answered, await dialogue.after_question(turn.session, open_checkin, turn.language)]
                turn.route = "checkin-answer"
                return await dialogue.answer(turn.session, turn.person, open_checkin, text, message.platform, turn.now,
                                             turn.language)
            if judged == "missed" and await questions.asks_beyond_verdict(turn, text):
                judged = None  # a question that says "does not help": answered as one
            if judged == "missed" or (judged is not None and small_talk(self.context.index, text) is None):
                # "not what I needed" under a library answer is what its button says, not a new
                # question (which found nothing and offered to pass it on), nor small talk ("no
                # help" has "no" and a filler word). A plain "thanks" stays small talk.
                feedback = await questions.typed_feedback(turn, judged)
                if feedback is not None:
                    turn.route = "typed-feedback"
                    return feedback
                if judged == "missed":
                    turn.route = "missed-without-answer"
                    return await questions.missed_without_answer(turn)
            hint = await plans.bare_status_hint(turn, text)
            if hint is not None:
                turn.route = "bare-status"
                return hint
            turn.route = "question"
            return await questions.ask(turn, text)
        name, _, args = text[1:].partition(" ")
        # Slack and Telegram may append "@botname" to a command.
        name = name.split("@", 1)[0].lower()
        found = self._by_name.get(name)
        if found is None:
            turn.route = "unknown-command"
            near = self._nearest_command(name, turn.person, turn.language)
            if near is not None and self._by_name[near][0] is self._by_name["help"][0]:
                near = None  # the sentence says to type /help already
            replies = [text_reply(t("unknown_command_near", turn.language, name=name[:40], near=near) if near
                                  else t("unknown_command", turn.language, name=name[:40]))]
            return replies + await self._checkin_reminder(turn)
        command, language = found
        turn.route = f"command:{command.name}"
        # Typing "/aide" rather than "/help" is the clearest sign of the language a person wants;
        # a name both languages share ("/plan") says nothing.
        if command is not START and command.name != command.french and language:
            turn.set_language(language)
        return await command.handler(turn, args)

    async def _open_checkin(self, turn: Turn) -> CheckinSession | None:
        if turn.person is None:
            return None
        return await repo.open_checkin(turn.session, turn.person.id)

    async def _checkin_reminder(self, turn: Turn) -> list[Reply]:
        """After a detour (an unknown command, say), remind the person where their check-in waits."""
        open_checkin = await self._open_checkin(turn)
        if open_checkin is None or open_checkin.step is CheckinStep.PAUSED:
            return []
        return [text_reply(t("checkin.waiting", turn.language, number=open_checkin.position + 1,
                             total=len(open_checkin.action_ids)))]

    async def _press(self, turn: Turn, payload: str) -> list[Reply]:
        action, _, argument = payload.partition(":")
        if action == "more":
            return await questions.more(turn, "")
        if action == "read":
            return await questions.read(turn, argument)
        if action == "topic":
            return await questions.topic(turn, argument)
        if action == "fb":
            return await questions.feedback(turn, payload)
        if action == "pass":
            return await questions.pass_on(turn, argument)
        if action == "checkin":
            return await plans.start_checkin(turn, argument)
        if action == "bc":
            return await notices.press(turn, payload)
        if action == "tk":
            return await answering.press(turn, payload)
        if action == "report":
            return await plans.report(turn, argument)
        if action == "submitted":
            return await submissions.press(turn, argument)
        if action == "plans":
            return await plans_overview.plans(turn, argument)
        if action == "peers":
            return await peers_chat.press(turn, payload)
        if action == "ci" and turn.person is not None:
            return await dialogue.press(turn.session, turn.person, payload, turn.message.platform, turn.now,
                                        turn.language)
        return [text_reply(t("unknown_button", turn.language))]
