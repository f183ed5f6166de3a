"""What every handler may use, wired once by the composition root in ``bot``."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge import SearchIndex


@dataclass(slots=True)
class ResultPage:
    """The results a person is paging through with /more, and how far they got."""

    product_ids: list[str]
    shown: int
    language: str


@dataclass(slots=True)
class PagingMemory:
    """Per-person paging state. It is a convenience that may be lost on restart (the person asks
    again); nothing a person typed as data lives here."""

    pages: dict[str, ResultPage] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def key(platform: str, user_id: str) -> str:
        return f"{platform}:{user_id}"


@dataclass(slots=True)
class HandlerContext:
    index: SearchIndex
    memory: PagingMemory = field(default_factory=PagingMemory)
    page_size: int = 3
    max_results: int = 30
    max_question_length: int = 1000
