"""The ``?page=`` of a list page, read once for every list: a whole number from 1 to MAX_PAGE."""
from __future__ import annotations

from flask import request

#: Past this a page number is a typo or a probe; the page shown is then the last one allowed.
MAX_PAGE = 100_000


def page_arg(name: str = "page") -> int:
    value = request.args.get(name, "")
    number = int(value) if value.isdigit() and len(value) <= 9 else (MAX_PAGE if value.isdigit() else 1)
    return min(max(number, 1), MAX_PAGE)
