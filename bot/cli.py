"""The ``hcbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.app import build_app
from bot.clock import SystemClock
from bot.console import run_console
from bot.settings import Settings
from knowledge import (
    BUNDLED_LIBRARY,
    BUNDLED_THESAURUS,
    PRODUCT_TYPES,
    LibraryError,
    SearchFilters,
    SearchIndex,
    Thesaurus,
    ThesaurusError,
    build_index,
    validate_library,
)

EXIT_INVALID = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hcbot", description="A chat bot for Humanitarian Coordinators.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("chat", help="talk to the bot in this terminal (reads piped input line by line)")

    ask = commands.add_parser("ask", help="answer questions from the library; no QUESTION reads one a line from stdin")
    ask.add_argument("question", nargs="*", help="the question (omit to read questions from standard input)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--limit", type=int, default=5, help="how many results (default 5)")
    ask.add_argument("--type", choices=sorted(PRODUCT_TYPES), action="append", help="only this product type")
    ask.add_argument("--country", action="append", help="only products about this country (English name)")
    ask.add_argument("--language", choices=["en", "fr"], help="only products in this language")

    kb = commands.add_parser("kb", help="the library of learning products")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    validate = kb_commands.add_parser("validate", help="check every product file; exit 2 on any problem")
    validate.add_argument("directory", nargs="?", type=Path, help="folder to check (default: the configured library)")
    listing = kb_commands.add_parser("list", help="list the learning products")
    listing.add_argument("--json", action="store_true", help="a JSON array with every field and the text")
    return parser


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _index_or_exit(settings: Settings) -> SearchIndex:
    try:
        return build_index(SystemClock().now().year, settings.knowledge_dir, settings.thesaurus_file)
    except LibraryError as error:
        _print_problems(error.problems)
        raise SystemExit(EXIT_INVALID) from None
    except ThesaurusError as error:
        print(f"hcbot: {error}", file=sys.stderr)
        raise SystemExit(EXIT_INVALID) from None


def _print_problems(problems: Sequence[object]) -> None:
    print(f"hcbot: the learning library has {len(problems)} problem(s); fix them and start again:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _questions(arguments: argparse.Namespace) -> Iterator[str]:
    if arguments.question:
        yield " ".join(arguments.question)
        return
    for raw in sys.stdin:
        if raw.strip():
            yield raw.strip()


def _ask(settings: Settings, arguments: argparse.Namespace) -> int:
    if arguments.limit < 1:
        print("hcbot: --limit must be at least 1", file=sys.stderr)
        return EXIT_INVALID
    index = _index_or_exit(settings)
    filters = SearchFilters(
        types=frozenset(arguments.type or ()),
        countries=frozenset(arguments.country or ()),
        language=arguments.language,
    )
    unknown = sorted(filters.countries - index.thesaurus.country_names)
    if unknown:
        print(f"hcbot: unknown country {unknown[0]!r}; known: {', '.join(sorted(index.thesaurus.country_names))}",
              file=sys.stderr)
        return EXIT_INVALID
    for question in _questions(arguments):
        result = index.search(question, filters=filters or None, limit=arguments.limit)
        if arguments.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            continue
        print(f"? {question}")
        if not result.confident:
            print("  (no confident answer)")
        for rank, hit in enumerate(result.hits, 1):
            product = hit.product
            where = ", ".join(product.countries) or "global"
            print(f"  {rank}. {product.title} [{product.type}, {where}, {product.year}] {product.id} ({hit.score:.2f})")
    return 0


def _kb(settings: Settings, arguments: argparse.Namespace) -> int:
    try:
        thesaurus = Thesaurus.load(settings.thesaurus_file or BUNDLED_THESAURUS)
    except ThesaurusError as error:
        print(f"hcbot: {error}", file=sys.stderr)
        return EXIT_INVALID
    if arguments.kb_command == "validate":
        directory = arguments.directory or settings.knowledge_dir or BUNDLED_LIBRARY
        products, problems = validate_library(directory, thesaurus, this_year=SystemClock().now().year)
        if problems:
            _print_problems(problems)
            return EXIT_INVALID
        print(f"{directory}: {len(products)} learning products, no problems")
        return 0
    index = _index_or_exit(settings)
    if arguments.json:
        print(json.dumps([product.as_json(with_text=True) for product in index.products], ensure_ascii=False, indent=1))
    else:
        for product in index.products:
            print(f"{product.id:<50} {product.type:<15} {product.language} {product.year} {', '.join(product.topics)}")
    return 0


def _chat(settings: Settings) -> int:
    index = _index_or_exit(settings)
    app = build_app(settings, index=index)
    interactive = sys.stdin.isatty()

    def typed_lines() -> Iterator[str]:
        while True:
            try:
                yield input("you> ")
            except EOFError:
                return

    lines = typed_lines() if interactive else iter(sys.stdin)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_console(app.router, lines, sys.stdout, interactive=interactive))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    settings = Settings()
    _configure_logging(settings)
    if arguments.command == "ask":
        return _ask(settings, arguments)
    if arguments.command == "kb":
        return _kb(settings, arguments)
    return _chat(settings)


if __name__ == "__main__":
    raise SystemExit(main())
