"""The database schema, as SQLAlchemy 2 typed models. Alembic migrations are written from these."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so that migrations can refer to them on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database, whatever the database does with zones.

    SQLite has no zone-aware type and hands back naive values; this makes every datetime leaving
    storage aware, and refuses naive ones going in, so a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Role(enum.StrEnum):
    HC = "hc"
    HCT_MEMBER = "hct_member"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"


class MissionKind(enum.StrEnum):
    P2P = "p2p"
    OPR = "opr"


class Status(enum.StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    DELAYED = "delayed"
    BLOCKED = "blocked"
    DONE = "done"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class CheckinStep(enum.StrEnum):
    ASK_STATUS = "ask_status"
    ASK_NOTE = "ask_note"
    PAUSED = "paused"
    FINISHED = "finished"
    EXPIRED = "expired"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as text with a CHECK constraint: portable, and readable in a database shell.
    return Enum(kind, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda members: [member.value for member in members])


class Sharing(enum.StrEnum):
    """How much of an operation's plan other people may see (its HC or the secretariat sets it)."""

    NONE = "none"  # nobody outside the operation (the default: sharing is opted into)
    PEERS = "peers"  # other operations' HCs and HCT members: action titles, topics, status, month
    ALL = "all"  # the same, for every registered person


class Operation(Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(60))
    # ISO weekday numbers (Monday 1 ... Sunday 7); some operations work Sunday to Thursday.
    working_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 2, 3, 4, 5])
    # The secretariat can hold an operation's check-ins and nudges (an emergency, a transition).
    paused_until: Mapped[datetime | None]
    sharing: Mapped[Sharing] = mapped_column(_enum(Sharing, "sharing"), default=Sharing.NONE,
                                             server_default=Sharing.NONE.value)

    people: Mapped[list[Person]] = relationship(back_populates="operation")
    missions: Mapped[list[Mission]] = relationship(back_populates="operation")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    language: Mapped[str] = mapped_column(String(2), default="en")
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    # "/pause 2w": leave, an emergency. Check-ins and nudges to this person wait until then.
    paused_until: Mapped[datetime | None]
    # "/notices off": no broadcasts. Check-ins and nudges about their own plan still come.
    notices: Mapped[bool] = mapped_column(Boolean, default=True)
    # Their own IANA zone, for webinar times; None: their operation's (or UTC for headquarters).
    timezone: Mapped[str | None] = mapped_column(String(60))

    operation: Mapped[Operation | None] = relationship(back_populates="people")
    identities: Mapped[list[ChatIdentity]] = relationship(back_populates="person")


class ChatIdentity(Base):
    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str] = mapped_column(String(20))
    external_user_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Why the platform refused to deliver ("blocked the bot"): shown to the secretariat, cleared on relink.
    inactive_reason: Mapped[str | None] = mapped_column(String(200))
    # Proactive messages go where the person last talked to the bot.
    last_seen_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="identities")


class Mission(Base):
    __tablename__ = "missions"
    __table_args__ = (UniqueConstraint("operation_id", "kind", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    kind: Mapped[MissionKind] = mapped_column(_enum(MissionKind, "mission_kind"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    operation: Mapped[Operation] = relationship(back_populates="missions")
    plans: Mapped[list[ActionPlan]] = relationship(back_populates="mission")


class ActionPlan(Base):
    __tablename__ = "action_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    mission_id: Mapped[int] = mapped_column(ForeignKey("missions.id"))
    adopted_on: Mapped[date] = mapped_column(Date)
    update_due_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None]
    checkin_every_weeks: Mapped[int] = mapped_column(Integer, default=4)
    # Per-plan overrides of the global ladder (None: the settings' values).
    window_closes_months: Mapped[int | None] = mapped_column(Integer)
    nudge_days_before: Mapped[list[int] | None] = mapped_column(JSON)

    mission: Mapped[Mission] = relationship(back_populates="plans")
    actions: Mapped[list[Action]] = relationship(back_populates="plan", order_by="Action.number")


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Who answers for it in words, when the owner is an agency or a group ("ICCG", "UNICEF").
    owner_label: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)

    plan: Mapped[ActionPlan] = relationship(back_populates="actions")
    owner: Mapped[Person | None] = relationship()
    updates: Mapped[list[ActionUpdate]] = relationship(back_populates="action", order_by="ActionUpdate.id")


class ActionUpdate(Base):
    """Append-only: a status is never edited, a new one is added. The history is the report."""

    __tablename__ = "action_updates"
    __table_args__ = (Index("ix_action_updates_action_created", "action_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"))
    note: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    # The check-in that gave it (``/update`` is a one-action check-in): an answer to an action
    # already answered in the same check-in (Change, back, "oops") corrects that answer.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_sessions.id"))
    # The update this one corrects: it stays in the history, marked, and the report uses this one.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("action_updates.id"))
    # Its author said yes to "share this note with peers?": without that, a note never leaves the
    # operation, whatever the operation's sharing level.
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)

    action: Mapped[Action] = relationship(back_populates="updates")
    person: Mapped[Person | None] = relationship()


class CheckinSession(Base):
    """A check-in conversation's whole state: which actions, where we are, what was half-said.

    It belongs to the person, not to a chat, so it can be finished on another platform.
    """

    __tablename__ = "checkin_sessions"
    __table_args__ = (Index("ix_checkin_sessions_person_step", "person_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"))
    step: Mapped[CheckinStep] = mapped_column(_enum(CheckinStep, "checkin_step"))
    action_ids: Mapped[list[int]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    pending_status: Mapped[Status | None] = mapped_column(_enum(Status, "pending_status"))
    reminded_at: Mapped[datetime | None]
    answered: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class QuestionLog(Base):
    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str] = mapped_column(String(20))
    external_user_id: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(Text)
    result_ids: Mapped[list[str]] = mapped_column(JSON)
    confident: Mapped[bool] = mapped_column(Boolean)
    feedback: Mapped[str | None] = mapped_column(String(20))
    passed_on: Mapped[bool] = mapped_column(Boolean, default=False)
    asked_at: Mapped[datetime]


class TopicFollow(Base):
    """A topic a person wants notices about (``/follow psea``): broadcasts can target followers."""

    __tablename__ = "topic_follows"
    __table_args__ = (UniqueConstraint("person_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    topic: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"          # being composed in a chat
    SCHEDULED = "scheduled"  # confirmed; the reconcile job releases it at send_at
    RELEASED = "released"    # one outbox row per recipient written
    CANCELLED = "cancelled"


class BroadcastStep(enum.StrEnum):
    """Where a /broadcast conversation stands; kept in the row, so a restart resumes it."""

    TEXT = "text"
    FRENCH = "french"
    AUDIENCE = "audience"
    PREVIEW = "preview"
    # The webinar's header asked as short questions, before the text (``webinar`` holds the answers).
    WEBINAR_TITLE = "webinar_title"
    WEBINAR_START = "webinar_start"
    WEBINAR_DURATION = "webinar_duration"
    WEBINAR_LINK = "webinar_link"
    # "time" at the preview: when it should go; back to the preview after.
    TIME = "time"


class Broadcast(Base):
    """A notice from the secretariat to many people: text in English (and French), an optional
    webinar, an audience, a time. Released into the outbox once, one row per recipient."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus, "broadcast_status"))
    step: Mapped[BroadcastStep | None] = mapped_column(_enum(BroadcastStep, "broadcast_step"))
    text_en: Mapped[str | None] = mapped_column(Text)
    text_fr: Mapped[str | None] = mapped_column(Text)
    # {"title", "starts_at" (ISO with offset), "timezone", "duration_minutes", "link", "speakers", "topics"}
    webinar: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # {"role": [...], "operation": [...], "country": [...], "language": [...], "topic": [...]}; {} is everyone.
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    send_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # Each person gets it in their working hours (09:00-18:00 on a working day, their time), not
    # at 3 a.m.; False for what cannot wait.
    local_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    # {"opted_out": n, "unlinked": n, "inactive": n, "cancelled": n}
    skipped: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebinarReminder(Base):
    """Someone pressed "Remind me" on a webinar's notice: an hour before it starts, the reconcile
    pass queues their reminder (once: its outbox key is ``webinar-reminder:BROADCAST:PERSON``)."""

    __tablename__ = "webinar_reminders"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),
                      Index("ix_webinar_reminders_remind_at", "remind_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    # Copied from the webinar when the button is pressed (a released notice never changes), so the
    # pass finds what is due with an index rather than by reading every notice's JSON.
    remind_at: Mapped[datetime]
    starts_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]


class InviteCode(Base):
    """A single-use, expiring code that links a chat account to a registered person.

    Only a hash is kept: the code itself is shown once, to the secretariat member who issued it, so
    a copy of the database cannot be used to take over someone's account.
    """

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(140))


class ProcessedEvent(Base):
    """Platform events already handled (Slack ``event_id``): a retried delivery is answered once,
    whichever replica receives it."""

    __tablename__ = "processed_events"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime]


class OutboxMessage(Base):
    """A proactive message (check-in prompt, reminder, nudge, broadcast) waiting to be delivered.

    ``dedupe_key`` is unique: the reconcile job inserts with "on conflict do nothing", so running it
    twice, on two replicas or after a week of downtime never queues the same message twice.
    """

    __tablename__ = "outbox"
    # The claim's order, to the id, so that it stops at a chunk's size; by person, what the claim's
    # one-voice hold and the spacing pass ask of each proactive row (storage/outbox.py).
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at", "id"),
                      Index("ix_outbox_person_kind_status", "person_id", "kind", "status", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    # Proactive messages go to a person, through the chat where they were seen last; a reply to a
    # live message goes to the chat it came from (the person may not be registered at all).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    platform: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(100))
    thread: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    due_at: Mapped[datetime]
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # "telegram:123456": where it went, for the delivery report and the in-doubt list.
    delivered_to: Mapped[str | None] = mapped_column(String(140))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)


class RateBudget(Base):
    """Messages sent to a platform in one slot of wall-clock time (a tenth of a second), by every
    replica together: the platform's limit is one budget, however many replicas deliver
    (PostgreSQL deployments)."""

    __tablename__ = "rate_budget"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    used: Mapped[int] = mapped_column(Integer, default=0)


class InviteAttempt(Base):
    """A wrong invite code sent from a chat account: a guesser gets a few tries an hour."""

    __tablename__ = "invite_attempts"
    __table_args__ = (Index("ix_invite_attempts_account", "platform", "user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class AnswerPage(Base):
    """A chat account's last question and its results: what /more pages through, what /read 2
    reads and what a follow-up ("and in Chad?") refines. In the database, so a restart or another
    replica carries on where the person was."""

    __tablename__ = "answer_pages"
    __table_args__ = (UniqueConstraint("platform", "external_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_user_id: Mapped[str] = mapped_column(String(100))
    # The question as asked ("" for a topic being browsed: nothing to refine).
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    product_ids: Mapped[list[str]] = mapped_column(JSON)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    log_id: Mapped[int | None] = mapped_column(ForeignKey("question_log.id"))
    # The filters the answer ran with ({"types": [...], "countries": [...], "language": "fr"}).
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class TicketState(enum.StrEnum):
    """A passed question's life: with the secretariat, answered (the asker may still say it missed),
    closed (it helped, or the secretariat closed it)."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Ticket(Base):
    """A question passed on to the P2P secretariat (``/pass``), and what became of it.

    The asker may be a stranger: where to reach them (platform, user, chat) is kept with the
    question, so an answer comes back to the chat they asked from even without a registration."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_state_created", "state", "created_at"),
                      Index("ix_tickets_asker", "platform", "external_user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # One ticket a logged question: passing it again adds a note, never a second ticket.
    question_id: Mapped[int] = mapped_column(ForeignKey("question_log.id"), unique=True)
    question: Mapped[str] = mapped_column(Text)
    # What the asker added ("/pass also in French please"); later notes are appended.
    note: Mapped[str | None] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The name a platform gave a stranger (Slack's user name), to tell the secretariat who asks.
    asker_name: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    external_user_id: Mapped[str] = mapped_column(String(100))
    chat_id: Mapped[str] = mapped_column(String(100))
    # The asker's operation when they passed it (people move; the question stays where it was asked).
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"))
    language: Mapped[str] = mapped_column(String(2))
    # The bot's best results when it was passed: what the secretariat's answer should go beyond.
    result_ids: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[TicketState] = mapped_column(_enum(TicketState, "ticket_state"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # How many times the secretariat was told (passed, reopened, a note added): part of the outbox
    # keys, so each telling is queued exactly once.
    told: Mapped[int] = mapped_column(Integer, default=1)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None]
    # Answers sent so far: the key of each answer's outbox row.
    answers_sent: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The Q&A entry the answer became in the library ("answer-7"), when it was added.
    library_id: Mapped[str | None] = mapped_column(String(80))

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    operation: Mapped[Operation | None] = relationship()
    answered_by: Mapped[Person | None] = relationship(foreign_keys=[answered_by_id])


class AnswerDraftStep(enum.StrEnum):
    """Where an answer written after the Answer button stands; kept in its row, so a restart resumes it."""

    TEXT = "text"        # waiting for the answer's words
    CONFIRM = "confirm"  # the words are in: send (and add to the library), change them, or cancel


class AnswerDraft(Base):
    """A secretariat member's answer being written to a ticket: one at a time per person."""

    __tablename__ = "answer_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    step: Mapped[AnswerDraftStep] = mapped_column(_enum(AnswerDraftStep, "answer_draft_step"))
    text: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]


class PlanSubmission(Base):
    """Each time a plan's update was marked as sent to the ERC (``/submitted``, the nudge's button,
    ``hcbot admin plan submitted``), kept when it is undone: who said so and when, and the
    ``submitted_at`` it replaced, so an undo puts back exactly what was there and the nudges resume."""

    __tablename__ = "plan_submissions"
    __table_args__ = (Index("ix_plan_submissions_plan", "plan_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"))
    submitted_at: Mapped[datetime]
    # None: from the shell (``hcbot admin plan submitted``), or recorded before this table existed.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    replaced_submitted_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    submitted_by: Mapped[Person | None] = relationship(foreign_keys=[submitted_by_id])


class SubmissionQuestion(Base):
    """"Mark the update on PLAN as sent on DATE?" waiting for its yes or no: one at a time per
    person, in the database so that a "yes" typed on another replica, or after a restart, is read
    as the answer to it."""

    __tablename__ = "submission_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("action_plans.id"))
    asked_at: Mapped[datetime]


class DeskLink(Base):
    """A single-use sign-in link to the web desk, sent by ``/desk`` to a member of the secretariat.
    Only a hash of its token is kept, so a copy of the database opens nothing."""

    __tablename__ = "desk_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The session this link opened ends here (signed out, or the desk role taken away): a copied
    # cookie opens nothing after it.
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()


class IntroductionState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Introduction(Base):
    """One "Put me in touch" request: who asked whom, about which action and topic, and what came of
    it. Contacts are exchanged only on Accept; the row is also what the secretariat counts."""

    __tablename__ = "introductions"
    __table_args__ = (Index("ix_introductions_pair_topic", "requester_id", "recipient_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    topic: Mapped[str] = mapped_column(String(80))
    state: Mapped[IntroductionState] = mapped_column(_enum(IntroductionState, "introduction_state"))
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]

    requester: Mapped[Person] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Person] = relationship(foreign_keys=[recipient_id])
    action: Mapped[Action] = relationship()
