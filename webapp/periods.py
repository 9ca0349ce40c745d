"""A period of office days from a page's ``?since=YYYY-MM-DD&until=YYYY-MM-DD`` (report, audit log)."""
from __future__ import annotations

from datetime import date

from flask import request


def day_arg(name: str) -> date | None:
    """An ISO date from the query string; one that is no date is left out (the page's date inputs
    send ISO dates, so only a hand-typed URL gets here)."""
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def period_args() -> tuple[date | None, date | None]:
    """``since`` and ``until``, in order (a period typed backwards is turned round)."""
    since, until = day_arg("since"), day_arg("until")
    if since and until and since > until:
        since, until = until, since
    return since, until
