"""Search of cases by the words of their title (and anything else worth finding them by).

Each case's words are rows of ``instance_search_terms`` (prefix, case), written when the case is
written: every beginning of every word ("p", "pu", … "puskesmas"), so a search word matches the
words it begins ("puskes" finds "Puskesmas") by equality. A case matches when each search word
does. The list is read from the primary key (prefix, case id) backwards along the search's
rarest word (each word's cases counted on the index up to a cap), newest case first, the other
words probed per case, and stops after a page: a search costs the same with 100 cases or
50,000 and for a rare word or a common one, on SQLite and PostgreSQL alike, where ``title ILIKE
'%…%'`` read every title (docs/benchmarks.md, scale).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

import json

from sqlalchemy import Select, and_, delete, exists, func, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from .models import Instance, InstanceSearchTerm

MAX_TERM = 20  #: longer words are indexed (and searched) by their first 20 characters
MAX_TERMS = 60  #: words indexed per case
MAX_QUERY_TERMS = 8  #: words of one search that count; more narrow nothing worth the cost
#: A search word's cases are counted up to this many to find the rarest word of a search.
FREQUENCY_CAP = 1000
#: A search whose rarest word has at most this many cases is counted exactly (reading each); past
#: it, a search of several words, or with other filters, says only that more than a page match.
COUNTED_SCAN = 200
_WORD = re.compile(r"\w+", re.UNICODE)

#: A case's words in one statement whatever their number (a step's answers give hundreds of
#: prefixes: as rows of an executemany they cost a bound parameter set each), the words passed as
#: one array; words the case already has are skipped.
_INSERT_TERMS = {
    "postgresql": text("INSERT INTO instance_search_terms (term, instance_id) "
                       "SELECT unnest(CAST(:terms AS varchar[])), :instance_id ON CONFLICT DO NOTHING"),
    "sqlite": text("INSERT OR IGNORE INTO instance_search_terms (term, instance_id) "
                   "SELECT value, :instance_id FROM json_each(:terms)"),
}


def _insert_terms(session: Session, instance_id: int, words: list[str]) -> None:
    if not words:
        return
    dialect = session.get_bind().dialect.name
    session.execute(_INSERT_TERMS[dialect], {"instance_id": instance_id,
                                             "terms": words if dialect == "postgresql" else json.dumps(words)})


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
    _insert_terms(session, instance_id, prefixes(*texts))


def prefixes(*texts: str | None) -> list[str]:
    """Every beginning of every searchable word of ``texts``, once each."""
    return list(dict.fromkeys(w[:n] for w in terms(*texts) for n in range(1, len(w) + 1)))


def search_words(q: str) -> list[str]:
    """The words of a search that count, the longest (the most selective) first."""
    return sorted(terms(q), key=len, reverse=True)[:MAX_QUERY_TERMS]


def frequencies(session: Session, words: list[str], cap: int) -> list[int]:
    """How many cases each of ``words`` begins a word of, each counted on the index up to
    ``cap + 1`` (one statement; at most ``cap + 1`` index entries read per word)."""
    counts = [select(func.count()).select_from(
        select(InstanceSearchTerm.instance_id).where(InstanceSearchTerm.term == word).limit(cap + 1).subquery())
        .scalar_subquery() for word in words]
    return list(session.execute(select(*counts)).one())


def rarest_first(session: Session, words: list[str], cap: int | None = None) -> tuple[list[str], int]:
    """``words`` with the one fewest cases have first (the list is read along its index, every
    other word probed per case), and how many cases that one has (up to ``cap + 1``). A word
    longer than another is not always rarer: "puskes" may be in a few cases, "antrean" in many."""
    found = frequencies(session, words, FREQUENCY_CAP if cap is None else cap)
    order = sorted(range(len(words)), key=lambda n: (found[n], -len(words[n])))
    return [words[n] for n in order], found[order[0]]


def narrow(query: Select, words: list[str]) -> tuple[Select, ColumnElement]:
    """``query`` (over ``Instance``) narrowed to the cases matching every one of ``words``, and
    the column to order it by, newest first: the first word's index, in case id order."""
    first = aliased(InstanceSearchTerm)
    query = query.join(first, and_(first.instance_id == Instance.id, first.term == words[0]))
    for word in words[1:]:
        query = query.where(exists().where(InstanceSearchTerm.instance_id == Instance.id,
                                           InstanceSearchTerm.term == word))
    return query, first.instance_id




def texts_of(value: Any, depth: int = 0) -> Iterable[str]:
    """The searchable texts of an answer: strings and numbers, inside lists and objects too."""
    if isinstance(value, bool) or value is None or depth > 5:
        return
    if isinstance(value, (str, int, float)):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts_of(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts_of(item, depth + 1)


def add_to_instance(session: Session, instance_id: int, *texts: str | None) -> None:
    """Add words to a case's index (the answers of a step), keeping those it has."""
    _insert_terms(session, instance_id, prefixes(*texts))


def matching_ids(q: str):
    """A SELECT of the ids of the cases matching every word of ``q``, or None if it has no words."""
    words = search_words(q)
    if not words:
        return None
    query = select(InstanceSearchTerm.instance_id).where(InstanceSearchTerm.term == words[0])
    for n, word in enumerate(words[1:]):
        other = aliased(InstanceSearchTerm, name=f"term_{n}")
        query = query.where(exists().where(other.instance_id == InstanceSearchTerm.instance_id, other.term == word))
    return query
