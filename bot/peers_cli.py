"""The command line of peer to peer: ``hcbot peers TOPIC [--as EMAIL]`` (what a person would see of
other operations, or everything for the operator), ``hcbot peers --introductions`` (the counts) and
``hcbot kb draft ACTION`` (a learning product started from an action done in the field)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.settings import Settings

EXIT_INVALID = 2


def add_peers_parser(commands: Any) -> None:
    peers = commands.add_parser("peers", help="what other operations share on a topic, as a person would see it")
    peers.add_argument("topic", nargs="?", help="a topic (slug, name or acronym: psea, VBG, cash...)")
    peers.add_argument("--as", dest="as_email", metavar="EMAIL",
                       help="show what this registered person sees (default: everything, as the secretariat)")
    peers.add_argument("--introductions", action="store_true",
                       help="how many introductions were asked for, accepted, declined, waiting")


def add_draft_parser(kb_commands: Any) -> None:
    drafting = kb_commands.add_parser("draft", help="start a learning product from an action done in the field")
    drafting.add_argument("action", help="the action: its plan's code and number, such as levantia-2026:1")
    drafting.add_argument("--out", type=Path, default=Path(), help="the folder to write it in (default: here)")
    drafting.add_argument("--force", action="store_true", help="replace a draft of the same name")


async def run_peers(settings: Settings, arguments: argparse.Namespace, clock: Clock, index: Any,
                    database: Any) -> int:
    from bot.console import render
    from handlers.answers.questions import resolve_topic
    from handlers.context import HandlerContext
    from handlers.peers import chat, introductions
    from handlers.peers.visibility import EVERYTHING
    from storage import peers as stored
    from storage import repositories as repo

    if arguments.introductions:
        async with database.transaction() as session:
            counts = await stored.introduction_counts(session)
            print(introductions.counts_line(counts, "en"))
            for topic, count in await stored.introduction_topics(session):
                print(f"  {topic}: {count}")
        return 0
    if not arguments.topic:
        print("hcbot: name a topic (hcbot peers psea), or --introductions", file=sys.stderr)
        return EXIT_INVALID
    slug = resolve_topic(HandlerContext(index=index, database=database, now=clock.now), arguments.topic)
    if slug is None:
        print(f"hcbot: unknown topic {arguments.topic!r}; `hcbot kb list` shows the topics in use", file=sys.stderr)
        return EXIT_INVALID
    async with database.transaction() as session:
        if arguments.as_email:
            person = await repo.person_by_email(session, arguments.as_email)
            if person is None:
                print(f"hcbot: no registered person with e-mail {arguments.as_email!r}", file=sys.stderr)
                return EXIT_INVALID
            reply = await chat.peers_reply(session, index, person, slug, person.language)
        else:
            reply = await chat.peers_reply(session, index, None, slug, "en", EVERYTHING)
    print(render(reply))
    return 0


async def run_draft(settings: Settings, arguments: argparse.Namespace, clock: Clock, index: Any,
                    database: Any) -> int:
    from handlers.peers.draft import draft, read_reference
    from handlers.peers.visibility import action_topics
    from storage import peers as stored

    reference = read_reference(arguments.action)
    if reference is None:
        print(f"hcbot: {arguments.action!r} is not an action: write its plan's code and number, such as "
              "levantia-2026:1", file=sys.stderr)
        return EXIT_INVALID
    async with database.transaction() as session:
        action = await stored.action_by_number(session, *reference)
        if action is None:
            print(f"hcbot: no action {reference[1]} in a plan with code {reference[0]!r}", file=sys.stderr)
            return EXIT_INVALID
        written = draft(action, action_topics(index, action), index.thesaurus.country, clock.now().date())
    return _write(arguments.out, written.filename, written.text, force=arguments.force)


def _write(folder: Path, filename: str, text: str, *, force: bool) -> int:
    if not folder.is_dir():
        print(f"hcbot: {folder}: no such folder", file=sys.stderr)
        return EXIT_INVALID
    target = folder / filename
    if target.exists() and not force:
        print(f"hcbot: {target} exists; edit it, or pass --force to start again", file=sys.stderr)
        return EXIT_INVALID
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"hcbot: cannot write {target}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"{target}: draft written. Write it up, name its source, then: hcbot kb validate {folder}")
    return 0
