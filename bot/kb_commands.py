"""The secretariat's `hcbot kb` commands for keeping the library: `new`, `import`, `list --stats`,
`list --stale`, and the warnings `validate` adds. Output is for a terminal: results on stdout,
problems on stderr, exit 2 on any problem (as `hcbot admin import`)."""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.settings import Settings
from knowledge import (
    BUNDLED_LIBRARY,
    LearningProduct,
    SearchIndex,
    Thesaurus,
    ThesaurusError,
    TopicModelError,
    build_index,
    topic_name,
)
from knowledge.library_files import LibraryError, product_warnings
from knowledge.library_tools import new_product_text, stale, topic_counts

if TYPE_CHECKING:
    from handlers.broadcasts.sending import Notice

EXIT_INVALID = 2


def _count(count: int, noun: str) -> str:
    from handlers.i18n import english_count

    return english_count(count, noun)


def library_folder(settings: Settings, given: Path | None = None) -> Path:
    return given or settings.knowledge_dir or BUNDLED_LIBRARY


def _writable_library(settings: Settings, given: Path | None) -> Path | None:
    """Where ``kb new`` and ``kb import`` write: the folder given or the configured library, never the
    library bundled with the program. A half-filled file there would stop every command that reads
    it (and a new release would overwrite it)."""
    folder = library_folder(settings, given)
    if folder.resolve() == BUNDLED_LIBRARY.resolve():
        print("hcbot: no library folder of your own to write into: set HCBOT_KNOWLEDGE_DIR to your copy of the "
              "library (the bundled one ships with the program and is replaced by each release), or give "
              "--directory", file=sys.stderr)
        return None
    return folder


def print_warnings(products: Sequence[LearningProduct]) -> int:
    """The warnings of valid products on stderr (they do not stop the bot); how many there were."""
    found = [warning for product in products for warning in product_warnings(product)]
    for warning in found:
        print(f"warning: {warning}", file=sys.stderr)
    return len(found)


def _slug(text: str) -> str:
    """"Duty of care: a webinar" -> "duty-of-care-a-webinar": an id from a title, accents dropped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:60].strip("-")


def kb_new(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    folder = _writable_library(settings, arguments.directory)
    if folder is None:
        return EXIT_INVALID
    identifier = arguments.id or _slug(arguments.title or "") or f"new-{arguments.type}"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", identifier):
        print(f"hcbot: --id {identifier!r}: use lower-case letters, digits and dashes, e.g. duty-of-care-webinar",
              file=sys.stderr)
        return EXIT_INVALID
    path = folder / f"{identifier}.md"
    if arguments.id is None:
        # No id asked for: the first free one, so that two new webinars in a row do not collide.
        number = 2
        while path.exists():
            path = folder / f"{identifier}-{number}.md"
            number += 1
        identifier = path.stem
    elif path.exists():
        print(f"hcbot: {path} already exists; choose another --id or edit that file", file=sys.stderr)
        return EXIT_INVALID
    text = new_product_text(arguments.type, identifier, arguments.title or "", clock.now().date())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        print(f"hcbot: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {path}: fill in the empty fields, then `hcbot kb validate {folder}`")
    return 0


def kb_import(settings: Settings, arguments: argparse.Namespace, clock: Clock, thesaurus: Thesaurus) -> int:
    from handlers.secretariat.product_import import read_products, write_products

    folder = _writable_library(settings, arguments.directory)
    if folder is None:
        return EXIT_INVALID
    rows = read_products(arguments.file, folder, thesaurus, clock.now().year)
    for warning in rows.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if rows.problems:
        print(f"hcbot: {arguments.file} has {_count(len(rows.problems), 'problem')}; nothing was written. "
              f"Fix {'it' if len(rows.problems) == 1 else 'them'} and import again:", file=sys.stderr)
        for problem in rows.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        written = write_products(rows)
    except OSError as error:
        print(f"hcbot: cannot write into {folder}: {error.strerror or error}; nothing was written", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {_count(len(written), 'product')} into {folder}:")
    for path in written:
        print(f"  {path.name}")
    return 0


def _library_index(settings: Settings, clock: Clock) -> SearchIndex | None:
    """The configured library, indexed (through the index cache, as the bot starts); None, with every
    problem on stderr, when it or the thesaurus does not validate."""
    try:
        return build_index(clock.now().year, settings.knowledge_dir, settings.thesaurus_file, settings.answers_dir(),
                           settings.index_cache_dir())
    except LibraryError as error:
        print(f"hcbot: the learning library has {_count(len(error.problems), 'problem')}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
    except (ThesaurusError, TopicModelError) as error:
        print(f"hcbot: {error}", file=sys.stderr)
    return None


def kb_listing(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    index = _library_index(settings, clock)
    if index is None:
        return EXIT_INVALID
    if arguments.stale:
        return _print_stale(index.products, clock)
    counts = topic_counts(index.products)
    curated = [product for product in index.products if product.type != "answer"]
    real = sum(not product.illustrative for product in curated)
    print(f"{_count(len(curated), 'product')}: {real} real, {len(curated) - real} illustrative")
    print(f"{'topic':<54} {'real':>5} {'illus.':>6} {'total':>6}")
    for count in counts:
        flag = "  (under 3)" if count.total < 3 else ""
        print(f"{topic_name(count.topic):<54} {count.real:>5} {count.illustrative:>6} {count.total:>6}{flag}")
    for language, name in (("en", "English"), ("fr", "French")):
        chosen = [product for product in curated if product.language == language]
        print(f"in {name}: {len(chosen)} ({sum(not product.illustrative for product in chosen)} real)")
    return 0


def _print_stale(products: Sequence[LearningProduct], clock: Clock) -> int:
    today = clock.now().date()
    due = stale(products, today)
    if not due:
        print("no product is past its review_by date")
        return 0
    print(f"{_count(len(due), 'product')} past review_by:")
    for product in due:
        assert product.review_by is not None
        late = (today - product.review_by).days
        print(f"  {product.id:<50} review_by {product.review_by.isoformat()} ({_count(late, 'day')} ago)  "
              f"{product.source}")
    return 0


def product_notice_or_exit(settings: Settings, product_id: str, clock: Clock) -> Notice | None:
    """The notice announcing library product ``product_id``; None (and why, on stderr) when there is
    no such product or it is not an upcoming webinar with a start time."""
    from handlers.broadcasts.sending import NoticeRejected
    from handlers.library_notice import product_notice

    index = _library_index(settings, clock)
    if index is None:
        return None
    product = index.get(product_id.strip().lower())
    if product is None:
        print(f"hcbot: --product {product_id!r}: no such product in the library (`hcbot kb list` lists them)",
              file=sys.stderr)
        return None
    try:
        return product_notice(product, clock.now())
    except NoticeRejected as error:
        for problem in error.problems:
            print(f"hcbot: --product {product.id}: {problem}", file=sys.stderr)
        return None
