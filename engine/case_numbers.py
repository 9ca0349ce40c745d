"""Registration numbers of cases: ``PAE-2026-0001`` = the process's prefix, the year, a sequence.

The sequence is a counter row per prefix and year, raised by one ``UPDATE`` in the transaction
that starts the case: a start that fails rolls its number back with it (no gaps), and two
starts at once queue on the counter row's lock (no duplicates), on PostgreSQL and SQLite alike.
"""
from __future__ import annotations

import re

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import CaseCounter

#: What ``sop.prefix`` on a process may be: letters and digits, 1 to 10 of them.
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]{1,10}$")
_WORD = re.compile(r"[^\W_]+")

_counters = CaseCounter.__table__
_RAISE = (update(_counters).where(_counters.c.prefix == bindparam("b_prefix"), _counters.c.year == bindparam("b_year"))
          .values(last=_counters.c.last + 1).returning(_counters.c.last))


def derive_prefix(name: str, key: str = "") -> str:
    """A prefix from a process's name when its diagram sets none: the initials of its words
    ("Pengembangan Aplikasi E-Government" → ``PAE``), else the first letters of the name or key."""
    words = [w for w in re.split(r"\s+", name or "") if _WORD.search(w)]
    initials = "".join(_WORD.search(w).group(0)[0] for w in words).upper()
    if len(initials) >= 2:
        return initials[:6]
    letters = "".join(_WORD.findall(name or "")) or "".join(_WORD.findall(key or ""))
    return (letters[:3] or "NO").upper()


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:04d}"


def next_number(session: Session, prefix: str, year: int) -> str:
    """Take the next number of ``prefix`` in ``year`` inside the session's transaction."""
    params = {"b_prefix": prefix, "b_year": year}
    last = session.execute(_RAISE, params).scalar()
    if last is None:  # the year's first case of this prefix: create its counter (once, even if two race)
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(_counters).values(prefix=prefix, year=year, last=0)
                        .on_conflict_do_nothing())
        last = session.execute(_RAISE, params).scalar()
    return format_number(prefix, year, last)
