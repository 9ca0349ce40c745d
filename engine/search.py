"""Search across cases by registration number, title and answers, through an index of words.

Each case's words (its number, title and every answer given at its steps) are rows of
``search_terms``; a query's words must each begin one of the case's words. Every look-up is a
range on that table's primary key, so a search costs the same with 100 or 50,000 cases, on
PostgreSQL and SQLite, and never scans titles or workflow states.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Iterable

from sqlalchemy import and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .case_numbers import _WORD
from .models import SearchTerm

#: A word longer than this is indexed (and looked for) by its beginning.
TERM_LENGTH = 40
#: Words kept per indexed text (a long answer adds its first words only).
MAX_TERMS = 400
#: Words of a query that count; more are ignored.
MAX_QUERY_WORDS = 8
_terms = SearchTerm.__table__


def words(text: str) -> list[str]:
    """The words of ``text`` as the index keeps them: normalized, lower case, at most TERM_LENGTH."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return [w[:TERM_LENGTH] for w in _WORD.findall(text)]


def _texts(value: Any, depth: int = 0) -> Iterable[str]:
    """The words-bearing parts of an answer: strings and numbers, inside lists and objects too."""
    if isinstance(value, bool) or value is None or depth > 5:
        return
    if isinstance(value, (str, int, float)):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item, depth + 1)


def terms_of(*values: Any) -> list[str]:
    """The distinct index terms of some values ("PAE-2026-0001" gives pae, 2026 and 0001)."""
    found: dict[str, None] = {}
    for value in values:
        for text in _texts(value):
            for word in words(text):
                found.setdefault(word, None)
                if len(found) >= MAX_TERMS:
                    return list(found)
    return list(found)


def index_case(session: Session, instance_id: int, *values: Any) -> None:
    """Add the words of ``values`` to the case's index entries (in the session's transaction)."""
    terms = terms_of(*values)
    if not terms:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(_terms).on_conflict_do_nothing(),
                    [{"term": term, "instance_id": instance_id} for term in terms])


def _successor(word: str) -> str:
    """The first string after every string that begins with ``word`` (in code point order)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def matching_instances(query: str):
    """A SELECT of the ids of the cases matching every word of ``query`` (None: nothing to look for)."""
    wanted = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
    if not wanted:
        return None
    statement = None
    for n, word in enumerate(wanted):
        terms = _terms.alias(f"term_{n}")  # one alias per word: nothing correlates by accident
        ids = select(terms.c.instance_id).where(and_(terms.c.term >= word, terms.c.term < _successor(word)))
        statement = ids if statement is None else statement.where(
            statement.selected_columns[0].in_(ids))
    return statement
