"""Paging that costs the same at any size of history: bounded counts and keyset cursors.

A ``count(*)`` of every matching row, or an ``OFFSET`` deep into a big table, reads everything
before the page; with 50,000 cases and over a million audit events that is most of a request's
time. A :class:`Count` stops counting at a cap ("1,000+"), and a :class:`Cursor` continues a
newest-first list right after the last row shown, on an index in that order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .unit_of_work import valid_id

T = TypeVar("T")
COUNT_CAP = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Count:
    """How many rows match: ``value`` exactly, or at least ``value`` when not ``exact``."""

    value: int
    exact: bool = True

    def __int__(self) -> int:
        return self.value


def bounded_count(session: Session, query: Select, column: Any, cap: int = COUNT_CAP) -> Count:
    """Count the rows of ``query`` (by its ``column``, so no wide column is carried), reading at
    most ``cap + 1`` of them."""
    inner = query.with_only_columns(column).order_by(None).limit(cap + 1).subquery()
    found = session.scalar(select(func.count()).select_from(inner)) or 0
    return Count(min(found, cap), found <= cap)


@dataclass(frozen=True)
class Cursor:
    """A position in a list ordered by (time, id): the row the next page starts after."""

    at: datetime
    id: int

    def encode(self) -> str:
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=timezone.utc)
        return f"{(at - _EPOCH) // _MICROSECOND}.{self.id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        """The cursor ``text`` encodes, or None if it is none (hand-edited, truncated)."""
        if not text or len(text) > 40:
            return None
        micros, _, ident = text.partition(".")
        try:
            at, row_id = _EPOCH + int(micros) * _MICROSECOND, int(ident)
        except (ValueError, OverflowError):
            return None
        return cls(at, row_id) if valid_id(row_id) else None


@dataclass
class Page(Generic[T]):
    """One page of a newest-first list: its rows, where the older and newer pages begin (None
    where there is none) and how many rows match in all (bounded)."""

    rows: list[T]
    older: Cursor | None
    newer: Cursor | None
    count: Count
