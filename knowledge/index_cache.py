"""The search index, kept on disk between starts: built once per library, read back in a fraction
of a second by every later start (``hcbot run``, ``hcbot chat`` and each one-shot command).

A cached index is found by a key that changes whenever anything that shapes the index changes:
the products' whole content (as loaded, answers included), the thesaurus's content, and the code
of the ``knowledge`` package itself, so a change to the ranking's weights or to the stemmer builds
afresh instead of serving arrays built by other rules. A key seen before is read back; any other
key, or a cache that cannot be read, builds the index as if there were no cache.

The postings, nearly all of the index, are saved as a few flat numpy arrays (``.npz``, no pickled
objects in them) and cut back into one view per term on loading; the rest of the index (a few
dictionaries of words and numbers) is pickled. Pickle runs code it reads, so a cache file is read
only when this user owns it and nobody else can write to it, like the database next to it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.products import LearningProduct
from knowledge.thesaurus import Thesaurus

if TYPE_CHECKING:
    from knowledge.search import SearchIndex

FORMAT = 1
"""The layout of the files below; part of every key."""

_PACKAGE = Path(__file__).resolve().parent
# What the index is, besides its arrays: everything the build sets but the inputs it was given.
_INPUTS = frozenset({"products", "thesaurus"})
_POSTINGS = "_postings"
_KEEP = 2
"""Cached indexes kept per folder (the current one and the one before: a replica still starting
on the previous library must not have its file removed under it)."""


@cache
def code_version() -> str:
    """A digest of every module of the ``knowledge`` package: the code that builds the index."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for path in sorted(_PACKAGE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _canonical(value: object) -> object:
    """A value with its sets and mappings in a fixed order, so its repr is the same every run."""
    if isinstance(value, dict):
        return sorted((repr(_canonical(key)), _canonical(item)) for key, item in value.items())
    if isinstance(value, set | frozenset):
        return sorted(repr(_canonical(item)) for item in value)
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(_canonical(getattr(value, field.name)) for field in fields(value))]
    if hasattr(value, "__dict__"):
        return [type(value).__name__, _canonical(vars(value))]
    return value


def key(products: Sequence[LearningProduct], thesaurus: Thesaurus) -> str:
    """The content key of an index over ``products`` with ``thesaurus``, built by this code."""
    digest = hashlib.sha256(code_version().encode())
    digest.update(repr(_canonical({name: item for name, item in vars(thesaurus).items() if name != "source"}))
                  .encode())
    # Text fields joined with separators no product text holds, the others by their repr: as
    # exact as the dataclass's repr, without escaping every body (0.6 s at 10,000 products).
    texts = [field.name for field in fields(LearningProduct) if field.type in ("str", str)]
    others = [field.name for field in fields(LearningProduct) if field.type not in ("str", str)]
    digest.update(repr((texts, others)).encode())
    text_of, rest_of = attrgetter(*texts), attrgetter(*others)
    for product in products:
        digest.update("\x1f".join(text_of(product)).encode())
        digest.update(repr(rest_of(product)).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _trusted(path: Path) -> bool:
    """Whether a file may be unpickled: ours, and writable by nobody else."""
    status = path.stat()
    return (not hasattr(os, "getuid") or status.st_uid == os.getuid()) and not status.st_mode & 0o022


@dataclass(frozen=True, slots=True)
class IndexCache:
    """Cached indexes in one folder (``HCBOT_INDEX_CACHE``; by default the user's cache folder)."""

    directory: Path

    def _paths(self, found: str) -> tuple[Path, Path]:
        stem = self.directory / f"index-{found[:40]}"
        return stem.with_suffix(".npz"), stem.with_suffix(".pickle")

    def restore(self, index: SearchIndex) -> bool:
        """Fills ``index`` (its products and thesaurus set) from the cache; False when the cache
        has no index for them, or one it cannot use (then nothing of ``index`` was changed)."""
        arrays_path, state_path = self._paths(key(index.products, index.thesaurus))
        try:
            if not (arrays_path.is_file() and state_path.is_file() and _trusted(state_path)):
                return False
            with state_path.open("rb") as file:
                state, terms = pickle.load(file)  # noqa: S301  # our own file, checked by _trusted
            with np.load(arrays_path, allow_pickle=False) as arrays:
                offsets, positions = arrays["offsets"], arrays["positions"]
                weights, strong = arrays["weights"], arrays["strong"]
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return False
        if len(offsets) != len(terms) + 1:
            return False
        for array in (positions, weights, strong):
            array.flags.writeable = False  # shared by every term's view: nobody may write through one
        bounds = offsets.tolist()
        state[_POSTINGS] = {term: (positions[start:end], weights[start:end], strong[start:end])
                            for term, start, end in zip(terms, bounds, bounds[1:], strict=False)}
        for name, value in state.items():
            setattr(index, name, value)
        return True

    def store(self, index: SearchIndex) -> None:
        """Saves a freshly built ``index``; a folder that cannot be written only costs the next
        start a build."""
        state = {name: value for name, value in vars(index).items() if name not in _INPUTS}
        postings: dict[str, tuple[Any, Any, Any]] = state.pop(_POSTINGS)
        terms = list(postings)
        lengths = np.fromiter((len(postings[term][0]) for term in terms), dtype=np.int64, count=len(terms))
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])

        def joined(part: int, dtype: Any) -> Any:
            if not terms:
                return np.zeros(0, dtype=dtype)
            return np.concatenate([postings[term][part] for term in terms]).astype(dtype, copy=False)

        arrays_path, state_path = self._paths(key(index.products, index.thesaurus))
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".npz.part", delete=False) as file:
                np.savez(file, offsets=offsets, positions=joined(0, np.int32), weights=joined(1, np.float32),
                         strong=joined(2, np.bool_))
            Path(file.name).replace(arrays_path)
            with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".pickle.part", delete=False) as file:
                pickle.dump((state, terms), file, protocol=pickle.HIGHEST_PROTOCOL)
            Path(file.name).chmod(0o600)
            # The state last: an index is found only once both of its files are whole.
            Path(file.name).replace(state_path)
            self._prune(keep={arrays_path, state_path})
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return

    def _prune(self, keep: set[Path]) -> None:
        """Removes all but the newest :data:`_KEEP` cached indexes, and leftovers of broken writes."""
        states = sorted(self.directory.glob("index-*.pickle"), key=lambda path: path.stat().st_mtime, reverse=True)
        kept = set(keep) | {path for state in states[:_KEEP] for path in (state, state.with_suffix(".npz"))}
        stale = time.time() - 3600  # a part file this old is no write still under way
        parts = [path for path in self.directory.glob("*.part") if path.stat().st_mtime < stale]
        for path in [*self.directory.glob("index-*.npz"), *states, *parts]:
            if path not in kept:
                path.unlink(missing_ok=True)


def default_directory() -> Path:
    """The user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``), ``hcbot/index`` in it."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hcbot" / "index"
