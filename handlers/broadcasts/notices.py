"""Notices in the chat: the secretariat composes a broadcast (/broadcast) and manages the ones
sent (/broadcast list, status N, cancel N); everyone chooses what they get (/notices on|off,
/follow TOPIC, /unfollow TOPIC).

The /broadcast conversation is a state machine kept in its ``broadcasts`` row (status draft, a step):
optionally the webinar's questions (title, start, duration, link), the text, the French text, the
audience, then the preview, where the audience and the time can be changed without typing the texts
again, and send. A restart, or switching platforms, resumes it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime

from rapidfuzz.distance import OSA

from handlers.answers.questions import resolve_topic
from handlers.broadcasts import desk, reminders, sending, webinar
from handlers.broadcasts.reach import left_out, why_nobody
from handlers.checkins.plans import require_person
from handlers.context import Turn
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, italic, text_reply
from knowledge.taxonomy import TOPICS, topic_name
from storage import broadcasts as stored
from storage.database import write_pending
from storage.models import Broadcast, BroadcastStatus, BroadcastStep, Person, Role

logger = logging.getLogger(__name__)

BROADCASTERS = (Role.SECRETARIAT, Role.ADMIN)
# The audiences offered as buttons; anything else is typed (role=hc,country=Chad).
PRESETS = {"all": "", "hc": "role=hc", "hct": "role=hct_member", "fr": "language=fr"}
SKIP_WORDS = {"skip", "passer", "no", "non", "none", "-"}
SEND_WORDS = {"send", "envoyer", "yes", "oui", "ok", "send now", "envoyer maintenant", "schedule", "programmer"}
CANCEL_WORDS = {"cancel", "annuler", "/cancel", "/annuler", "stop"}
# What can be changed at the preview, by its word (or the button).
AUDIENCE_WORDS = {"audience", "public", "recipients", "destinataires"}
TIME_WORDS = {"time", "heure", "when", "quand", "date"}
NOW_WORDS = {"now", "maintenant", "right away", "tout de suite"}
WEBINAR_WORDS = {"webinar", "webinaire"}
DURATIONS = (60, 90)
"""The durations offered as buttons; any other is typed."""
# /broadcast's sub-commands, in English and French (/annonce liste). Anything else after
# /broadcast is the notice's text.
SUBCOMMANDS = {
    "list": {"list", "liste", "ls"},
    "status": {"status", "statut", "etat", "état", "state"},
    "cancel": {"cancel", "annuler"},
    "webinar": WEBINAR_WORDS,
}
WEBINAR_STEPS = (BroadcastStep.WEBINAR_TITLE, BroadcastStep.WEBINAR_START, BroadcastStep.WEBINAR_DURATION,
                 BroadcastStep.WEBINAR_LINK)
_AT = re.compile(r"(?:at|à|a|le|on)\s+", re.IGNORECASE)


def _slip_of(word: str, targets: set[str]) -> bool:
    """``word`` is one of ``targets``, or a one-letter slip of one of at least four letters (a
    phone's "audiance", "lsit", "anuler")."""
    return word in targets or (len(word) >= 4 and any(
        len(target) >= 4 and OSA.distance(word, target) <= 1 for target in targets))


def is_cancel(text: str) -> bool:
    """"cancel", "annuler", and their one-letter slips on a phone ("anuler", "cancle"): a one-word
    notice that close to "cancel" is a wish to stop, not a notice."""
    word = text.strip().lower()
    if word in CANCEL_WORDS:
        return True
    return " " not in word and any(OSA.distance(word.lstrip("/"), target) <= 1
                                   for target in ("cancel", "annuler"))


def subcommand(args: str) -> tuple[str, str] | None:
    """("list" | "status" | "cancel" | "webinar", what follows) when ``args`` is one, else None.

    A sub-command is its word followed by at most one more (the number): "/broadcast Status of the
    PSEA networks" is a notice, "/broadcast status 3" and "/broadcast stauts 3" are not."""
    words = args.split()
    if not words or len(words) > 2:
        return None
    word, rest = words[0].lower().lstrip("/"), " ".join(words[1:])
    for name, targets in SUBCOMMANDS.items():
        if name == "webinar" and rest:
            continue  # "/broadcast Webinar tomorrow" is a notice
        if word in targets:
            return name, rest
    for name, targets in SUBCOMMANDS.items():
        if name != "webinar" and _slip_of(word, targets):
            return name, rest
    return None


def may_broadcast(person: Person | None) -> bool:
    return person is not None and person.role in BROADCASTERS


async def open_draft(turn: Turn) -> Broadcast | None:
    if turn.person is None or turn.person.role not in BROADCASTERS:
        return None
    return await stored.open_draft(turn.session, turn.person.id)


async def start(turn: Turn, args: str) -> list[Reply]:
    """Secretariat: compose a notice (text, audience, preview, send); /broadcast list, status N, cancel N."""
    person = turn.person
    asked = subcommand(args)
    if not may_broadcast(person):
        # Logged: an attempt to broadcast without the role is worth the secretariat's attention.
        logger.warning("broadcast refused: %s user %s (person %s) has no broadcasting role",
                       turn.message.platform, turn.message.user_id, person.id if person else None)
        managing = asked is not None and asked[0] != "webinar"
        raise AccessDenied("broadcast.desk_refused" if managing else "broadcast.refused")
    assert person is not None
    if asked is not None:
        name, rest = asked
        if name == "list":
            return await desk.list_broadcasts(turn)
        if name == "status":
            return await desk.status(turn, rest)
        if name == "cancel":
            if rest:
                return await desk.cancel(turn, rest)
            draft = await open_draft(turn)
            if draft is None:
                raise BadInput("broadcast.cancel_usage")
            return await _cancel(turn, draft)
    draft = await open_draft(turn)
    if draft is not None:
        if asked is not None and draft.step is BroadcastStep.TEXT:
            return await answer(turn, draft, "webinar")
        return [text_reply(t("broadcast.resumed", turn.language)), *await _prompt(turn, draft)]
    draft = await stored.new_draft(turn.session, person.id, turn.now)
    if asked is not None:
        return await answer(turn, draft, "webinar")
    if args.strip():
        return await answer(turn, draft, args)
    return await _prompt(turn, draft)


def _zone_name(turn: Turn) -> str:
    return desk.zone_of(turn).key


async def _prompt(turn: Turn, draft: Broadcast) -> list[Reply]:
    language = turn.language
    step = draft.step
    if step is BroadcastStep.TEXT:
        if draft.webinar:
            return [text_reply(t("broadcast.ask_text_after_webinar", language))]
        builder = ReplyBuilder().add(t("broadcast.ask_text", language))
        builder.button(t("broadcast.webinar", language), f"bc:{draft.id}:webinar")
        return [builder.build()]
    if step is BroadcastStep.WEBINAR_TITLE:
        return [text_reply(t("webinar.ask_title", language))]
    if step is BroadcastStep.WEBINAR_START:
        return [text_reply(t("webinar.ask_start", language, zone=_zone_name(turn)))]
    if step is BroadcastStep.WEBINAR_DURATION:
        builder = ReplyBuilder().add(t("webinar.ask_duration", language))
        for minutes in DURATIONS:
            builder.button(f"{minutes} min", f"bc:{draft.id}:min:{minutes}")
        return [builder.build()]
    if step is BroadcastStep.WEBINAR_LINK:
        builder = ReplyBuilder().add(t("webinar.ask_link", language))
        builder.button(t("webinar.no_link", language), f"bc:{draft.id}:skip")
        return [builder.build()]
    if step is BroadcastStep.FRENCH:
        builder = ReplyBuilder().add(t("broadcast.ask_french", language))
        builder.button(t("broadcast.no_french", language), f"bc:{draft.id}:skip")
        return [builder.build()]
    if step is BroadcastStep.AUDIENCE:
        builder = ReplyBuilder().add(t("broadcast.ask_audience", language))
        if draft.audience:
            builder.add(italic(t("broadcast.current_audience", language,
                                 audience=sending.describe_audience(draft.audience, language))))
        for key in PRESETS:
            builder.button(t(f"broadcast.audience_{key}", language), f"bc:{draft.id}:aud:{key}")
        return [builder.build()]
    if step is BroadcastStep.TIME:
        builder = ReplyBuilder().add(t("broadcast.ask_time", language, zone=_zone_name(turn)))
        builder.button(t("broadcast.now", language), f"bc:{draft.id}:now")
        return [builder.build()]
    return await _preview(turn, draft)


async def _preview(turn: Turn, draft: Broadcast) -> list[Reply]:
    """The notice as its readers will see it, who gets it and when; Send only when someone would."""
    language = turn.language
    reach = await sending.expand(turn.session, draft.audience)
    notice = sending.notice_of(draft)
    languages = Counter(recipient.language for recipient in reach.recipients)
    # An audience of French speakers is shown the French text it will read.
    french_view = bool(notice.text_fr) and bool(reach.recipients) and set(languages) == {"fr"}
    sample = sending.render(draft.id, notice, "fr" if french_view else "en", _zone_name(turn), now=turn.now,
                            uid=sending.calendar_uid(draft.id, draft.created_at))
    builder = ReplyBuilder().add(bold(t("broadcast.preview_fr" if french_view else "broadcast.preview", language)))
    builder.lines.extend(sample.lines)
    builder.blank()
    builder.add(italic(tn("broadcast.reach", len(reach.recipients), language,
                          audience=sending.describe_audience(draft.audience, language))))
    if reach.recipients and (reasons := left_out(dict(reach.skipped), language)):
        # (With nobody reached, the reasons below say who was left out and why.)
        builder.add(italic(t("broadcast.left_out", language, reasons=reasons)))
    if notice.text_fr and languages["fr"] and not french_view:
        builder.add(italic(t("broadcast.has_french", language)))
    if not notice.text_fr and languages["fr"]:
        builder.add(italic(tn("broadcast.french_get_english", languages["fr"], language)))
    if not reach.recipients:
        for reason in await why_nobody(turn.session, draft.audience, reach, language):
            builder.add(reason)
        builder.add(bold(t("broadcast.nobody", language)))
        builder.button(t("broadcast.change_audience", language), f"bc:{draft.id}:audience")
        builder.button(t("broadcast.cancel", language), f"bc:{draft.id}:cancel")
        return [builder.build()]
    if draft.send_at is None:
        builder.add(italic(t("broadcast.when_now", language)))
    else:
        builder.add(italic(t("broadcast.when_at", language, when=desk.when(draft.send_at, turn))))
    builder.add(italic(t("broadcast.change_hint", language)))
    builder.button(t("broadcast.send" if draft.send_at is None else "broadcast.schedule", language),
                   f"bc:{draft.id}:send")
    builder.button(t("broadcast.change_audience", language), f"bc:{draft.id}:audience")
    builder.button(t("broadcast.change_time", language), f"bc:{draft.id}:time")
    builder.button(t("broadcast.cancel", language), f"bc:{draft.id}:cancel")
    return [builder.build()]


async def answer(turn: Turn, draft: Broadcast, text: str) -> list[Reply]:
    """A typed message while a draft is open: the answer to the question it is at."""
    wanted = text.strip()
    if is_cancel(wanted):
        return await _cancel(turn, draft)
    lowered = " ".join(wanted.lower().split())
    step = draft.step
    if step is BroadcastStep.TEXT:
        if _slip_of(lowered, WEBINAR_WORDS):
            draft.webinar = None
            draft.step = BroadcastStep.WEBINAR_TITLE
        else:
            _set_text(draft, wanted)
    elif step in WEBINAR_STEPS:
        noted = _webinar_answer(turn, draft, wanted, lowered)
        if noted is not None:
            return [noted, *await _prompt(turn, draft)]
    elif step is BroadcastStep.FRENCH:
        draft.text_fr = None if lowered in SKIP_WORDS else wanted[:sending.MAX_TEXT]
        draft.step = BroadcastStep.AUDIENCE
    elif step is BroadcastStep.AUDIENCE:
        _set_audience(draft, wanted, turn.language)
    elif step is BroadcastStep.TIME:
        draft.send_at = None if _slip_of(lowered, NOW_WORDS) else _read_time(turn, wanted)
        draft.step = BroadcastStep.PREVIEW
    elif _slip_of(lowered, SEND_WORDS):
        return await _send(turn, draft)
    elif _slip_of(lowered, AUDIENCE_WORDS):
        draft.step = BroadcastStep.AUDIENCE
    elif _slip_of(lowered, TIME_WORDS):
        draft.step = BroadcastStep.TIME
    elif _AT.match(wanted):
        # "at 2026-12-01 09:00" at the preview: that time, and scheduled at once (the preview above
        # was what the composer confirmed).
        return await _schedule(turn, draft, _read_time(turn, wanted))
    else:
        return [text_reply(t("broadcast.confirm_hint", turn.language)), *await _preview(turn, draft)]
    return await _prompt(turn, draft)


def _webinar_answer(turn: Turn, draft: Broadcast, wanted: str, lowered: str) -> Reply | None:
    """Records one answer of the webinar's questions and moves to the next; after the last, the
    webinar is checked as a whole and said back (the reply returned)."""
    answers = dict(draft.webinar or {})
    step = draft.step
    if step is BroadcastStep.WEBINAR_TITLE:
        if lowered in SKIP_WORDS:
            # No webinar after all: a plain notice.
            draft.webinar = None
            draft.step = BroadcastStep.TEXT
            return None
        draft.webinar = {"title": webinar.read_title(wanted)}
        draft.step = BroadcastStep.WEBINAR_START
    elif step is BroadcastStep.WEBINAR_START:
        moment, zone = webinar.read_moment(wanted, _zone_name(turn), turn.now, turn.language)
        draft.webinar = {**answers, "start": moment.isoformat(), "timezone": zone}
        draft.step = BroadcastStep.WEBINAR_DURATION
    elif step is BroadcastStep.WEBINAR_DURATION:
        draft.webinar = {**answers, "duration_minutes": webinar.read_duration(wanted)}
        draft.step = BroadcastStep.WEBINAR_LINK
    else:
        found = webinar.read_link(wanted)
        done = webinar.finished({**answers, **({"link": found} if found else {})})
        draft.webinar = done
        draft.step = BroadcastStep.TEXT
        start = datetime.fromisoformat(done["start"])
        return text_reply(t("webinar.noted", turn.language, title=done["title"], minutes=done["duration_minutes"],
                            when=desk.when(start, turn)))
    return None


def _set_text(draft: Broadcast, wanted: str) -> None:
    try:
        notice = sending.parse_notice(wanted)
    except sending.NoticeRejected as error:
        problems = "; ".join(f"{problem.field or 'text'}: {problem.message}" for problem in error.problems)
        raise BadInput("broadcast.bad_text", problems=problems[:500]) from None
    draft.text_en, draft.text_fr = notice.text_en, notice.text_fr
    if notice.webinar is not None or not draft.webinar:
        # A front matter in the text wins over the webinar's answers given before it.
        draft.webinar = notice.webinar
    draft.step = BroadcastStep.AUDIENCE if notice.text_fr else BroadcastStep.FRENCH


def _set_audience(draft: Broadcast, wanted: str, language: str) -> None:
    preset = _typed_preset(wanted)
    try:
        draft.audience = sending.parse_audience(PRESETS[preset] if preset else wanted)
    except sending.AudienceRejected as error:
        raise BadInput("broadcast.bad_audience", problem=error.in_language(language)[:300]) from None
    draft.step = BroadcastStep.PREVIEW


def _typed_preset(wanted: str) -> str | None:
    """A button's label typed rather than pressed ("HCs", "francophones", "tout le monde"): the
    buttons are gone once another reply came in between."""
    typed = " ".join(wanted.lower().split())
    for key in PRESETS:
        if typed == key or any(typed == t(f"broadcast.audience_{key}", language).lower() for language in ("en", "fr")):
            return key
    return None


async def _send(turn: Turn, draft: Broadcast) -> list[Reply]:
    if not (await sending.expand(turn.session, draft.audience)).recipients:
        return await _preview(turn, draft)  # it says why nobody would get it, and offers no Send
    if draft.send_at is not None:
        if draft.send_at <= turn.now:
            raise BadInput("broadcast.time_passed", when=desk.when(draft.send_at, turn))
        return await _schedule(turn, draft, draft.send_at)
    draft.send_at = turn.now
    draft.status = BroadcastStatus.SCHEDULED
    await write_pending(turn.session)
    written = await sending.release(turn.session, draft, turn.now, turn.context.hours)
    skipped = left_out(draft.skipped, turn.language) or t("broadcast.nobody_left_out", turn.language)
    return [text_reply(tn("broadcast.sent", written, turn.language, id=draft.id, skipped=skipped))]


def _read_time(turn: Turn, wanted: str) -> datetime:
    """"2026-12-01 09:00" or "at 2026-12-01 09:00" (the composer's own time, or with a zone or an
    offset) -> UTC."""
    typed = _AT.sub("", wanted.strip(), count=1) if _AT.match(wanted.strip()) else wanted.strip()
    moment, _ = webinar.read_moment(typed, _zone_name(turn), turn.now, turn.language,
                                    unreadable="broadcast.bad_time", past="broadcast.past_time")
    return moment


async def _schedule(turn: Turn, draft: Broadcast, moment: datetime) -> list[Reply]:
    if not (await sending.expand(turn.session, draft.audience)).recipients:
        return await _preview(turn, draft)
    draft.send_at = moment
    draft.status = BroadcastStatus.SCHEDULED
    draft.step = None
    return [text_reply(t("broadcast.scheduled", turn.language, id=draft.id, when=desk.when(moment, turn)))]


async def _cancel(turn: Turn, draft: Broadcast) -> list[Reply]:
    await sending.cancel(turn.session, draft, turn.now)
    return [text_reply(t("broadcast.cancelled", turn.language))]


async def press(turn: Turn, payload: str) -> list[Reply]:
    """The buttons of notices: ``bc:ID:remind`` on a webinar's notice (anyone who got it); the
    /broadcast conversation's ``bc:ID:skip|webinar|min:N|aud:KEY|audience|time|now|send|cancel``."""
    parts = payload.split(":")
    if len(parts) == 3 and parts[2] == "remind" and parts[1].isdigit():
        return await reminders.press(turn, int(parts[1]))
    draft = await open_draft(turn)
    if draft is None or len(parts) < 3 or parts[1] != str(draft.id):
        if not may_broadcast(turn.person):
            raise AccessDenied("broadcast.refused")
        raise NotFound("broadcast.stale_button")
    choice, step = parts[2], draft.step
    if choice == "cancel":
        return await _cancel(turn, draft)
    if choice == "skip" and step in (BroadcastStep.FRENCH, BroadcastStep.WEBINAR_LINK):
        return await answer(turn, draft, "skip")
    if choice == "webinar" and step is BroadcastStep.TEXT:
        return await answer(turn, draft, "webinar")
    if choice == "min" and len(parts) == 4 and parts[3].isdigit() and step is BroadcastStep.WEBINAR_DURATION:
        return await answer(turn, draft, parts[3])
    if choice == "aud" and len(parts) == 4 and parts[3] in PRESETS and step is BroadcastStep.AUDIENCE:
        _set_audience(draft, PRESETS[parts[3]], turn.language)
        return await _prompt(turn, draft)
    if choice in {"audience", "time"} and step is BroadcastStep.PREVIEW:
        draft.step = BroadcastStep.AUDIENCE if choice == "audience" else BroadcastStep.TIME
        return await _prompt(turn, draft)
    if choice == "now" and step is BroadcastStep.TIME:
        return await answer(turn, draft, "now")
    if choice == "send" and step is BroadcastStep.PREVIEW:
        return await _send(turn, draft)
    return [text_reply(t("checkin.stale_button", turn.language)), *await _prompt(turn, draft)]


async def notices(turn: Turn, args: str) -> list[Reply]:
    """Turn the secretariat's notices (webinars, new products) off or on: /notices off."""
    person = require_person(turn, "stranger.notices")
    wanted = args.strip().lower()
    if wanted in {"off", "non", "no", "stop", "arret", "arrêt"}:
        person.notices = False
    elif wanted in {"on", "oui", "yes", "start"}:
        person.notices = True
    elif wanted:
        raise BadInput("notices.usage")
    return [text_reply(t("notices.on" if person.notices else "notices.off", turn.language))]


async def follow(turn: Turn, args: str) -> list[Reply]:
    """Get notices about a topic: /follow psea (with no topic: what you follow)."""
    person = require_person(turn, "stranger.follow")
    language = turn.language
    if not args.strip():
        followed = await _followed(turn, person)
        names = ", ".join(f"{slug} ({topic_name(slug, language)})" for slug in followed)
        return [text_reply(t("follow.list", language, topics=names or "—"))]
    slug = resolve_topic(turn.context, args)
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    await stored.follow(turn.session, person.id, slug, turn.now)
    return [text_reply(t("follow.done", language, topic=topic_name(slug, language)))]


async def unfollow(turn: Turn, args: str) -> list[Reply]:
    """Stop notices about a topic: /unfollow psea (or /unfollow all)."""
    person = require_person(turn, "stranger.follow")
    language = turn.language
    wanted = args.strip().lower()
    if wanted in {"all", "tout", "tous"}:
        await stored.unfollow(turn.session, person.id)
        return [text_reply(t("follow.none", language))]
    slug = resolve_topic(turn.context, args) if wanted else None
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    await stored.unfollow(turn.session, person.id, slug)
    return [text_reply(t("follow.stopped", language, topic=topic_name(slug, language)))]


async def _followed(turn: Turn, person: Person) -> list[str]:
    return sorted(topic for topic in await stored.followed_topics(turn.session, person.id) if topic in TOPICS)
