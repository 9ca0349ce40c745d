"""Search of cases by the words of their title (and anything else worth finding them by).

Each case's words are rows of ``instance_search_terms`` (word, case), written when the case is
written. A search word matches every indexed word it begins ("puskes" finds "Puskesmas"), and a
case matches when each search word does. Every word is one range of the table's primary key, on
SQLite and PostgreSQL alike: a search costs the same with 100 cases or 50,000, where
``title ILIKE '%…%'`` read every title (docs/benchmarks.md, scale).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from sqlalchemy import and_, delete, exists, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from .models import Instance, InstanceSearchTerm

MAX_TERM = 64  #: longer words are indexed (and searched) by their first 64 characters
MAX_TERMS = 100  #: words indexed per case
MAX_QUERY_TERMS = 8  #: words of one search that count; more narrow nothing worth the cost
_WORD = re.compile(r"\w+", re.UNICODE)
#: Sorts after every character a word can hold: the upper end of a prefix range.
_AFTER_ALL = "\U0010ffff"

_INSERT = insert(InstanceSearchTerm.__table__)


def terms(*texts: str | None) -> list[str]:
    """The distinct searchable words of ``texts``: case-folded, accents kept, in order of appearance."""
    found: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        for word in _WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
            found.setdefault(word[:MAX_TERM], None)
            if len(found) >= MAX_TERMS:
                return list(found)
    return list(found)


def index_instance(session: Session, instance_id: int, *texts: str | None, replace: bool = False) -> None:
    """Write the search words of one case (in the caller's transaction); ``replace`` drops the
    words it had first (a title that changed)."""
    if replace:
        session.execute(delete(InstanceSearchTerm).where(InstanceSearchTerm.instance_id == instance_id))
    words = terms(*texts)
    if words:
        session.execute(_INSERT, [{"term": w, "instance_id": instance_id} for w in words])


def matches(q: str) -> ColumnElement[bool] | None:
    """A condition on ``Instance`` true for the cases whose indexed words begin with every word of
    ``q``; None when ``q`` holds no word (nothing to narrow by)."""
    words = sorted(terms(q), key=len, reverse=True)[:MAX_QUERY_TERMS]  # the longest word narrows most
    if not words:
        return None
    conditions = [exists().where(InstanceSearchTerm.instance_id == Instance.id, _prefix(w)) for w in words[1:]]
    first = Instance.id.in_(select(InstanceSearchTerm.instance_id).where(_prefix(words[0])))
    return and_(first, *conditions)


def _prefix(word: str) -> ColumnElement[bool]:
    return and_(InstanceSearchTerm.term >= word, InstanceSearchTerm.term < word + _AFTER_ALL)


def backfill(session: Session, rows: Iterable[tuple[int, str]]) -> int:
    """Index existing cases (``(id, title)`` pairs) that have no words yet; returns how many."""
    count = 0
    for instance_id, title in rows:
        index_instance(session, instance_id, title)
        count += 1
    return count
