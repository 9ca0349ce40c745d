"""Kualifikasi Pelaksana: who qualifies to be appointed to a process's steps, as the process says.

The SOP's header states its qualifications in words (``sop.kualifikasi``, printed on the SOP sheet).
What the appointment picker checks comes from three more process properties beside it, each a
list (one item a line, or separated by commas or semicolons) that the process owner writes in the
SOP sheet's header editor:

- ``sop.kualifikasi.pendidikan``: the education levels that qualify ("D-III", "S-1", …);
- ``sop.kualifikasi.bidang``: the fields of study that qualify ("Teknik Informatika", …);
- ``sop.kualifikasi.keahlian``: the expertise a person needs, one a line (a candidate must have
  theirs recorded).

Nothing here knows a degree or a field of study: another SOP names other ones. Matching ignores
case, spaces and punctuation ("S1" is "S-1"); a list the process leaves empty asks nothing. Falling
short is a warning beside the candidate, never a bar (the office decides).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import Problem

TEXT = "sop.kualifikasi"
LEVELS = "sop.kualifikasi.pendidikan"
FIELDS = "sop.kualifikasi.bidang"
EXPERTISE = "sop.kualifikasi.keahlian"
PROPERTIES = (LEVELS, FIELDS, EXPERTISE)
#: A list names at most this many items, each at most ITEM_CHARS long.
MAX_ITEMS, ITEM_CHARS = 100, 200

_SEPARATORS = re.compile(r"[\n;,]+")
_LINES = re.compile(r"[\n;]+")
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def split_items(text: str | None, separators: re.Pattern = _SEPARATORS) -> tuple[str, ...]:
    """``"D-III, S-1\\nS-2"`` → ``("D-III", "S-1", "S-2")``: one item a line, or between commas or semicolons."""
    items = (item.strip().strip(".").strip() for item in separators.split(text or ""))
    return tuple(dict.fromkeys(item for item in items if item))


def same(a: str | None, b: str | None) -> bool:
    """Two spellings of one level or field ("S1" and "s-1", "Teknik  Informatika")."""
    return _NOT_ALNUM.sub("", (a or "").casefold()) == _NOT_ALNUM.sub("", (b or "").casefold()) != ""


@dataclass(frozen=True)
class Gap:
    """Where a candidate falls short: ``kind`` is "education", "field" or "expertise"; ``accepted``
    what the process accepts (its levels or fields; the expertise it names)."""

    kind: str
    accepted: tuple[str, ...]


@dataclass(frozen=True)
class Qualification:
    """A process's Kualifikasi Pelaksana: its words, and the lists the picker checks."""

    text: str = ""
    levels: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    expertise: tuple[str, ...] = ()

    @classmethod
    def from_properties(cls, properties: Mapping[str, str]) -> "Qualification":
        return cls(text=(properties.get(TEXT) or "").strip(), levels=split_items(properties.get(LEVELS)),
                   fields=split_items(properties.get(FIELDS)),
                   expertise=split_items(properties.get(EXPERTISE), _LINES))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "Qualification":
        d = d or {}
        return cls(text=d.get("text", ""), levels=tuple(d.get("levels", ())), fields=tuple(d.get("fields", ())),
                   expertise=tuple(d.get("expertise", ())))

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "levels": list(self.levels), "fields": list(self.fields),
                "expertise": list(self.expertise)}

    @property
    def checks_anything(self) -> bool:
        return bool(self.levels or self.fields or self.expertise)

    def gaps(self, education_level: str | None, field_of_study: str | None, expertise: str | None) -> list[Gap]:
        """Where a person with this education, field and recorded expertise falls short."""
        found = []
        if self.levels and not any(same(level, education_level) for level in self.levels):
            found.append(Gap("education", self.levels))
        if self.fields and not any(same(f, field_of_study) for f in self.fields):
            found.append(Gap("field", self.fields))
        if self.expertise and not (expertise or "").strip():
            found.append(Gap("expertise", self.expertise))
        return found


def problems(properties: Mapping[str, str]) -> list[Problem]:
    """A deployment's qualification lists, bounded: at most MAX_ITEMS items of ITEM_CHARS each."""
    found = []
    for name in PROPERTIES:
        items = split_items(properties.get(name), _LINES if name == EXPERTISE else _SEPARATORS)
        if len(items) > MAX_ITEMS:
            found.append(Problem("qualification.too_many", element=f"property '{name}'", name=name, n=MAX_ITEMS))
        long = next((i for i in items if len(i) > ITEM_CHARS), None)
        if long is not None:
            found.append(Problem("qualification.too_long", element=f"property '{name}'", name=name,
                                 item=long[:40], n=ITEM_CHARS))
    return found


def qualification_of(bpmn_xml: str, key: str) -> Qualification:
    """A deployed version's qualification read from its diagram (versions deployed before alur
    kept it in their metadata)."""
    from .flowchart import read

    try:
        return Qualification.from_properties(read(bpmn_xml, key).properties)
    except Exception:  # noqa: BLE001 - an unreadable header asks nothing of candidates
        return Qualification()
