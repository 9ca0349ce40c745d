"""Draw a BPMN 2.0 diagram as a standalone SVG from its BPMN DI, with steps marked by state.

Only what the DI lays out is drawn (``bpmndi:BPMNShape`` bounds, ``bpmndi:BPMNEdge`` waypoints,
``bpmndi:BPMNLabel`` bounds); elements without DI are left out. The parsed layout (positions and
wrapped text) is cached per XML content, so drawing many instances of one deployed definition
only re-paints the shapes. The SVG has no external references and no web fonts, and its
``<style>`` is scoped to ``svg.alur-diagram`` so the SVG can be inlined into an HTML page.
"""
from __future__ import annotations

import hashlib
import html
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

__all__ = ["KPI_LABELS", "NO_DI_MESSAGE", "STATE_LABELS", "render_svg"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
LABEL_BOUNDS = f"{{{BPMNDI_NS}}}BPMNLabel/{{{DC_NS}}}Bounds"

#: mark -> Indonesian label, in legend order
STATE_LABELS = {"completed": "Selesai", "active": "Sedang berjalan", "error": "Galat", "cancelled": "Dibatalkan"}
#: the realisation map (Laporan Kinerja, a case's page): a step's median realisation against its standard time
KPI_LABELS = {"kpi-ok": "Dalam waktu baku", "kpi-warn": "Melewati, sampai 1,5× waktu baku",
              "kpi-late": "Melewati lebih dari 1,5× waktu baku", "kpi-none": "Tanpa waktu baku"}
ALL_LABELS = STATE_LABELS | KPI_LABELS
NO_DI_MESSAGE = "Diagram tidak memiliki tata letak (BPMN DI)"
MARGIN, HEADER, LEGEND_H = 20, 30, 28  # HEADER: width of the name strip of pools and lanes
INK, TEXT_INK = "#404040", "#1f1f1f"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, sans-serif"
PAINT = {  # mark -> (fill, stroke, stroke width, dash array)
    None: ("#ffffff", INK, 1.5, ""),
    "completed": ("#e3f1e6", "#2e7d32", 2.0, ""),
    "active": ("#fff4d6", "#b26a00", 3.0, ""),
    "error": ("#fde7e7", "#c62828", 2.5, ""),
    "cancelled": ("#eeeeee", "#8a8a8a", 1.5, "5 3"),
    "kpi-ok": ("#d7eedb", "#2e7d32", 2.0, ""),
    "kpi-warn": ("#ffe9b8", "#9a5b00", 2.5, ""),
    "kpi-late": ("#f9d0d0", "#b71c1c", 3.0, ""),
    "kpi-none": ("#e6ecf2", "#546e7a", 1.5, "4 2"),
}
POOLS = frozenset({"participant", "lane"})
ACTIVITIES = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                        "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess"})
GATEWAYS = {"exclusiveGateway": "x", "parallelGateway": "+", "inclusiveGateway": "o",
            "eventBasedGateway": "e", "complexGateway": "*"}
EVENTS = {"startEvent": 1.5, "endEvent": 4.0, "intermediateCatchEvent": 1.5,
          "intermediateThrowEvent": 1.5, "boundaryEvent": 1.5}  # kind -> ring width
INSIDE_TEXT = POOLS | ACTIVITIES | {"textAnnotation"}

STYLE = (
    f"<style>svg.alur-diagram{{font-family:{FONT};}}"
    "svg.alur-diagram .alur-halo{paint-order:stroke;stroke:#ffffff;stroke-width:3px;stroke-linejoin:round;}"
    "svg.alur-diagram .state-active .alur-shape{filter:drop-shadow(0 0 4px rgba(178,106,0,0.6));}</style>"
)
DEFS = (
    '<defs><marker id="alur-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10"'
    f' markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="{INK}"/></marker>'
    '<marker id="alur-default" viewBox="0 0 20 20" refX="0" refY="10" markerWidth="20" markerHeight="20"'
    f' markerUnits="userSpaceOnUse" orient="auto"><path d="M9,5 L15,15" stroke="{INK}" stroke-width="1.5"/>'
    "</marker></defs>"
)

Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True, slots=True)
class _Text:
    size: float
    lines: tuple[tuple[float, float, str], ...]  # centre x, baseline y, text
    rotate: tuple[float, float] | None = None  # rotated -90 degrees around this point


@dataclass(frozen=True, slots=True)
class _Item:
    """One drawable DI element: a shape (``box``) or an edge (``points``)."""
    id: str
    kind: str
    name: str
    box: Box | None = None
    points: tuple[tuple[float, float], ...] = ()
    label: Box | None = None
    text: _Text | None = None
    horizontal: bool = True
    step: str | None = None
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class _Layout:
    title: str
    items: tuple[_Item, ...]  # in drawing order: pools and lanes, flows, then the rest
    extent: tuple[float, float, float, float] | None  # min x, min y, max x, max y


@dataclass(frozen=True, slots=True)
class _Source:
    """Layout cache key: hashed and compared by the SHA-256 digest of the XML bytes only."""
    digest: bytes
    data: bytes = field(compare=False, repr=False)


def render_svg(bpmn_xml: str | bytes, marks: dict[str, str] | None = None, *, title: str | None = None,
               labels: dict[str, str] | None = None, notes: dict[str, str] | None = None) -> str:
    """Draw the BPMN diagram in ``bpmn_xml`` as a standalone SVG document (returned as a string).

    ``marks`` maps a BPMN element id -> "active" | "completed" | "error" | "cancelled"; marked
    elements are coloured and a legend of the states used is drawn top right (unknown states are
    ignored). ``title`` (default: the process name) becomes the ``aria-label``. ``labels`` maps a
    state to the words of the legend and tooltips (default ``STATE_LABELS``, Indonesian; a state it
    leaves out keeps its Indonesian label), so a caller can pass a translation. A file without
    BPMN DI gives a small SVG saying so; XML that is not well-formed raises ``ValueError``.
    The parsed layout is cached (per SHA-256 of the XML, 32 definitions), and so is the drawing per
    marks, words and notes (128 of them); only the opening tag with ``title`` is written per call.
    The realisation marks (``KPI_LABELS``) work the same way; ``notes`` adds a line per element id
    to its tooltip (e.g. its median and on-time ratio).
    """
    source = _source(bpmn_xml)
    layout = _layout(source)
    label = title or layout.title
    if layout.extent is None:
        return _empty_svg(label)
    words = ALL_LABELS | {k: str(v) for k, v in (labels or {}).items() if k in ALL_LABELS and v}
    marks = {k: v for k, v in (marks or {}).items() if v in ALL_LABELS}
    box, body = _painted(source, frozenset(marks.items()), tuple(words.items()), tuple(sorted((notes or {}).items())))
    return _svg_open(*box, label) + "\n" + body


@lru_cache(maxsize=32)
def _source(xml: str | bytes) -> _Source:
    """The XML's bytes and digest. A deployed version's XML comes as one kept string
    (``runtime.source``), whose hash Python keeps: found here without hashing 50 KB again."""
    data = _to_bytes(xml)
    return _Source(hashlib.sha256(data).digest(), data)


@lru_cache(maxsize=128)
def _painted(source: _Source, marks: frozenset[tuple[str, str]], words: tuple[tuple[str, str], ...],
             notes: tuple[tuple[str, str], ...]) -> tuple[tuple[float, float, float, float], str]:
    """The view box and everything after the opening tag, per diagram, marks, words and notes:
    the cases of one version at the same step, or finished by the same path, draw the same."""
    layout = _layout(source)
    marks_of, words_of, notes_of = dict(marks), dict(words), dict(notes)
    states = [s for s in ALL_LABELS if s in {marks_of.get(i.id) for i in layout.items}]
    min_x, min_y, max_x, max_y = layout.extent
    vx, vy = min_x - MARGIN, min_y - MARGIN - (LEGEND_H if states else 0)
    parts = [STYLE, DEFS]
    parts += [(_edge_svg if i.points else _shape_svg)(i, marks_of.get(i.id), words_of, notes_of.get(i.id))
              for i in layout.items]
    if states:
        parts.append(_legend(states, max_x + MARGIN - 4, vy, words_of))
    return (vx, vy, max_x + MARGIN - vx, max_y + MARGIN - vy), "\n".join(parts + ["</svg>"])


# --- reading the layout ----------------------------------------------------------------------------

def _to_bytes(xml: str | bytes) -> bytes:
    """Bytes for the parser; a str loses its XML declaration (whose encoding no longer applies)."""
    if isinstance(xml, str):
        return re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", xml, count=1).encode("utf-8")
    return bytes(xml)


@lru_cache(maxsize=32)
def _layout(source: _Source) -> _Layout:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(source.data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"BPMN XML is not well-formed: {exc}") from exc
    index = {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}*") if el.get("id")}
    plane = root.find(f".//{{{BPMNDI_NS}}}BPMNPlane")  # the first diagram is the main one
    found = [] if plane is None else plane.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")
    items = [(_read_edge if d.tag.endswith("Edge") else _read_shape)(d, index) for d in found]
    items = sorted((i for i in items if i),  # drawing order: pools and lanes, flows, nodes, boundary events
                   key=lambda i: 0 if i.kind in POOLS else 1 if i.points else 2 + (i.kind == "boundaryEvent"))
    return _Layout(_title(root), tuple(items), _extent(items))


def _title(root: etree._Element) -> str:
    """The first named process (else participant) for the ``aria-label``."""
    tags = [f"{{{BPMN_NS}}}{t}" for t in ("process", "participant")]
    names = (" ".join(el.get("name", "").split()) for tag in tags for el in root.iter(tag))
    return next((n for n in names if n), "Diagram BPMN")


def _name(el: etree._Element) -> str:
    """The element's name (a text annotation's text), whitespace tidied, line breaks kept."""
    raw = el.findtext(f"{{{BPMN_NS}}}text", "") if el.get("name") is None else el.get("name")
    return "\n".join(" ".join(line.split()) for line in raw.splitlines()).strip()


def _step(el: etree._Element) -> str | None:
    path = f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property[@name='sop.step']"
    prop = el.find(path)
    return None if prop is None else (prop.get("value") or "").strip() or None


def _floats(el: etree._Element | None, keys: tuple[str, ...] = ("x", "y", "width", "height")) -> tuple | None:
    """The element's finite numeric attributes (bounds by default; sizes not negative), or None."""
    try:
        values = tuple(float(el.get(k)) for k in keys)
    except (AttributeError, TypeError, ValueError):  # no element, or a value missing or not a number
        return None
    return values if all(map(math.isfinite, values)) and min(values[2:], default=0) >= 0 else None


def _read_shape(di: etree._Element, index: dict[str, etree._Element]) -> _Item | None:
    el, box = index.get(di.get("bpmnElement")), _floats(di.find(f"{{{DC_NS}}}Bounds"))
    if el is None or box is None:
        return None
    kind, name, label, step = etree.QName(el).localname, _name(el), _floats(di.find(LABEL_BOUNDS)), _step(el)
    horizontal = (di.get("isHorizontal") or "true").strip().lower() != "false"
    return _Item(el.get("id"), kind, name, box=box, label=label, horizontal=horizontal, step=step,
                 text=_shape_text(kind, name, box, horizontal, label, badge=step is not None))


def _read_edge(di: etree._Element, index: dict[str, etree._Element]) -> _Item | None:
    el = index.get(di.get("bpmnElement"))
    points = [p for p in (_floats(wp, ("x", "y")) for wp in di.iter(f"{{{DI_NS}}}waypoint")) if p]
    if el is None or len(points) < 2:
        return None
    source, name, label = index.get(el.get("sourceRef")), _name(el), _floats(di.find(LABEL_BOUNDS))
    return _Item(el.get("id"), etree.QName(el).localname, name, points=tuple(points), label=label,
                 text=_label_text(name, label, _edge_anchor(points, name)) if name else None,
                 is_default=source is not None and source.get("default") == el.get("id"))


def _extent(items: list[_Item]) -> tuple[float, float, float, float] | None:
    """Bounds of everything drawn: shapes, label bounds, waypoints and (estimated) text."""
    points = [p for i in items for p in i.points]
    for x, y, w, h in [i.box for i in items if i.box] + [i.label for i in items if i.label]:
        points += [(x, y), (x + w, y + h)]
    for t in (i.text for i in items if i.text and not i.text.rotate):
        points += [(x + sign * _text_width(line, t.size) / 2, y + (4 if sign > 0 else -t.size))
                   for x, y, line in t.lines for sign in (-1, 1)]
    if not points:
        return None
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


# --- text layout -----------------------------------------------------------------------------------

def _text_width(text: str, size: float) -> float:
    """Approximate width of ``text`` in a sans-serif font (about 6.5px a character at 12px)."""
    em = sum(0.3 if c in " iljtfr.,;:!|'()[]/" else 0.86 if c in "mwMW@%" else 0.68 if c.isupper() else 0.56
             for c in text)
    return em * size


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy wrap to ``width`` pixels at spaces and after hyphens; explicit line breaks kept."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for space, piece in re.findall(r"(\s*)([^\s-]+-*|-+)", para):
            line = line + " " * bool(space) + piece if line else piece
            if _text_width(line, size) > width and len(line) > len(piece):
                lines.append(line[:-len(piece)].rstrip())
                line = piece
            while len(line) > 1 and _text_width(line, size) > width:  # too wide alone: cut it
                cut = max((i for i in range(1, len(line)) if _text_width(line[:i], size) <= width), default=1)
                lines.append(line[:cut])
                line = line[cut:]
        if line:
            lines.append(line)
    return lines


def _fit(text: str, width: float, height: float, sizes: tuple[float, ...] = (12, 11, 10),
         max_lines: int = 5) -> tuple[float, list[str]]:
    """The largest font size whose lines fit the box; else the smallest, cut with an ellipsis."""
    for size in sizes:
        limit = max(1, min(max_lines, int(height // (size + 2))))
        lines = _wrap(text, width, size)
        if len(lines) <= limit:
            return size, lines
    last = lines[limit - 1]
    while last and _text_width(last + "…", size) > width:
        last = last[:-1]
    return size, lines[:limit - 1] + [last.rstrip() + "…"]


def _block(lines: list[str], cx: float, y: float, size: float, *, middle: bool = False,
           rotate: tuple[float, float] | None = None) -> _Text:
    """Lines centred on ``cx``, starting at ``y`` (or centred on ``y`` when ``middle``)."""
    lh = size + 2
    top = y - len(lines) * lh / 2 if middle else y
    return _Text(size, tuple((cx, top + i * lh + lh / 2 + size * 0.35, s) for i, s in enumerate(lines)), rotate)


def _shape_text(kind: str, name: str, box: Box, horizontal: bool, label: Box | None, badge: bool) -> _Text | None:
    if not name:
        return None
    x, y, w, h = box
    if kind in POOLS:  # in the header strip: on the left written bottom-up, or on top if vertical
        size, lines = _fit(name, (h if horizontal else w) - 12, HEADER - 2, (12, 11), 2)
        centre = (x + HEADER / 2, y + h / 2) if horizontal else (x + w / 2, y + HEADER / 2)
        return _block(lines, *centre, size, middle=True, rotate=centre if horizontal else None)
    if kind in INSIDE_TEXT:  # inside, below any step badge; in the top part of a big (expanded) box
        top, area = (10 if badge else 3), min(h, 100)
        size, lines = _fit(name, w - 8, area - top - 3)
        return _block(lines, x + w / 2, y + top + (area - top - 3) / 2, size, middle=True)
    return _label_text(name, label, (x + w / 2, y + h + 4))


def _label_text(name: str, label: Box | None, fallback: tuple[float, float]) -> _Text:
    """Text top-centred in its BPMNLabel bounds, or top-centred at ``fallback`` without them."""
    if label is not None:
        return _block(_wrap(name, max(label[2] + 10, 90), 11), label[0] + label[2] / 2, label[1], 11)
    return _block(_wrap(name, 90, 11), fallback[0], fallback[1], 11)


def _edge_anchor(points: list[tuple[float, float]], name: str) -> tuple[float, float]:
    """Where a flow's name goes without BPMNLabel: beside the middle of its middle segment."""
    (x1, y1), (x2, y2) = points[(len(points) - 1) // 2: (len(points) - 1) // 2 + 2]
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    if abs(x2 - x1) < abs(y2 - y1):  # vertical segment: to its right
        return mx + 6 + min(_text_width(name, 11), 90) / 2, my - 7
    return mx, my - 17


# --- drawing ---------------------------------------------------------------------------------------

def _esc(text: str) -> str:
    """XML-escaped text (also for attributes), without characters XML 1.0 forbids."""
    return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", text), quote=True)


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _paint(mark: str | None, base_width: float = 1.5) -> str:
    fill, stroke, width, dash = PAINT[mark]
    return (f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(max(width, base_width))}"'
            + (f' stroke-dasharray="{dash}"' if dash else ""))


def _svg_open(x: float, y: float, w: float, h: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="alur-diagram" viewBox="{_n(x)} {_n(y)} {_n(w)} {_n(h)}"'
            f' width="{_n(w)}" height="{_n(h)}" role="img" aria-label="{_esc(label)}" font-family="{_esc(FONT)}">'
            f'\n<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="#ffffff"/>')


def _empty_svg(label: str) -> str:
    return (_svg_open(0, 0, 420, 60, label) + STYLE
            + '<rect x="0.5" y="0.5" width="419" height="59" rx="6" fill="#fafafa" stroke="#cccccc"/>'
            f'<text x="210" y="35" text-anchor="middle" font-size="14" fill="#555555">{NO_DI_MESSAGE}</text>\n</svg>')


def _text_svg(t: _Text | None, halo: bool = False, fill: str = TEXT_INK) -> str:
    if t is None:
        return ""
    attrs = ' class="alur-halo"' if halo else ""
    attrs += f' transform="rotate(-90 {_n(t.rotate[0])} {_n(t.rotate[1])})"' if t.rotate else ""
    spans = "".join(f'<tspan x="{_n(x)}" y="{_n(y)}">{_esc(s)}</tspan>' for x, y, s in t.lines)
    return f'<text font-size="{_n(t.size)}" text-anchor="middle" fill="{fill}"{attrs}>{spans}</text>'


def _group(item: _Item, mark: str | None, body: str, words: dict[str, str], note: str | None = None) -> str:
    """The element's ``<g>``: kind and state classes, its id, and a tooltip with name and state."""
    tip = " ".join((item.name or item.id).split()) + (f" — {words[mark]}" if mark else "") + (f"\n{note}" if note else "")
    return (f'<g class="el-{_esc(item.kind)} state-{mark or "none"}" data-element-id="{_esc(item.id)}">'
            f"<title>{_esc(tip)}</title>{body}</g>")


def _shape_svg(s: _Item, mark: str | None, words: dict[str, str], note: str | None = None) -> str:
    draw = (_pool_body if s.kind in POOLS else _activity_body if s.kind in ACTIVITIES
            else _gateway_body if s.kind in GATEWAYS else _event_body if s.kind in EVENTS else _other_body)
    text_ink = PAINT["cancelled"][1] if mark == "cancelled" else TEXT_INK
    return _group(s, mark, draw(s, mark) + _text_svg(s.text, halo=s.kind not in INSIDE_TEXT, fill=text_ink), words,
                  note)


def _rect(box: Box, attrs: str, rx: float = 0, cls: str = "alur-shape") -> str:
    x, y, w, h = box
    return (f'<rect class="{cls}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}"'
            + (f' rx="{_n(rx)}"' if rx else "") + f" {attrs}/>")


def _pool_body(s: _Item, mark: str | None) -> str:
    x, y, w, h = s.box
    header = (x, y, HEADER, h) if s.horizontal else (x, y, w, HEADER)
    fill = PAINT[mark][0] if mark else "#eef1f5" if s.kind == "participant" else "#f7f8fa"
    width = 1.5 if s.kind == "participant" else 1
    return (_rect(s.box, f'fill="none" stroke="{INK}" stroke-width="{width}"')
            + _rect(header, f'fill="{fill}" stroke="{INK}" stroke-width="{width}"', cls="alur-header"))


def _activity_body(s: _Item, mark: str | None) -> str:
    """Rounded box, plus a numbered badge on its top-left corner for an SOP step."""
    x, y = s.box[:2]
    out = _rect(s.box, _paint(mark, 3.0 if s.kind == "callActivity" else 1.5), rx=10)
    if s.step:
        out += (f'<circle cx="{_n(x + 1)}" cy="{_n(y + 1)}" r="9" fill="{PAINT[mark][1] if mark else "#37474f"}"'
                f' stroke="#ffffff" stroke-width="1.5"/><text x="{_n(x + 1)}" y="{_n(y + 4.5)}" font-size="10"'
                f' font-weight="bold" text-anchor="middle" fill="#ffffff">{_esc(s.step)}</text>')
    return out


def _gateway_body(s: _Item, mark: str | None) -> str:
    x, y, w, h = s.box
    cx, cy, d, ink, glyph = x + w / 2, y + h / 2, min(w, h), PAINT[mark][1], GATEWAYS[s.kind]
    out = (f'<polygon class="alur-shape" points="{_n(cx)},{_n(y)} {_n(x + w)},{_n(cy)} {_n(cx)},{_n(y + h)}'
           f' {_n(x)},{_n(cy)}" {_paint(mark)}/>')
    if glyph in "oe":  # inclusive: bold ring; event-based: double ring
        for r in [0.25] if glyph == "o" else [0.3, 0.24]:
            out += (f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(d * r)}" fill="none" stroke="{ink}"'
                    f' stroke-width="{2.5 if glyph == "o" else 1.2}"/>')
        return out
    a, b = d * 0.18, d * 0.25
    strokes = {"x": [(-a, -a, a, a), (-a, a, a, -a)], "+": [(0, -b, 0, b), (-b, 0, b, 0)]}
    segments = strokes["x"] + strokes["+"] if glyph == "*" else strokes[glyph]
    path = " ".join(f"M{_n(cx + x1)},{_n(cy + y1)} L{_n(cx + x2)},{_n(cy + y2)}" for x1, y1, x2, y2 in segments)
    return out + f'<path d="{path}" stroke="{ink}" stroke-width="3.5" stroke-linecap="round" fill="none"/>'


def _event_body(s: _Item, mark: str | None) -> str:
    """Start: thin ring; end: thick ring; intermediate and boundary: double ring."""
    x, y, w, h = s.box
    cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
    out = f'<circle class="alur-shape" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" {_paint(mark, EVENTS[s.kind])}/>'
    if s.kind.startswith("intermediate") or s.kind == "boundaryEvent":
        out += (f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(max(r - 3, 1))}" fill="none"'
                f' stroke="{PAINT[mark][1]}" stroke-width="1.5"/>')
    return out


def _other_body(s: _Item, mark: str | None) -> str:
    """A text annotation's bracket, or a plain box for any other kind (data objects and such)."""
    if s.kind != "textAnnotation":
        return _rect(s.box, _paint(mark), rx=2)
    x, y, _, h = s.box
    return (f'<path class="alur-shape" d="M{_n(x + 10)},{_n(y)} H{_n(x)} V{_n(y + h)} H{_n(x + 10)}"'
            f' fill="none" stroke="{PAINT[mark][1]}" stroke-width="1.5"/>')


def _edge_svg(e: _Item, mark: str | None, words: dict[str, str], note: str | None = None) -> str:
    """Sequence flows solid with an arrow (and a slash when default), message flows dashed."""
    _, stroke, width, dash = PAINT[mark]
    dash = dash or {"messageFlow": "7 4", "association": "2 3"}.get(e.kind, "")
    attrs = f'fill="none" stroke="{stroke}" stroke-width="{_n(width)}" stroke-linejoin="round"'
    attrs += f' stroke-dasharray="{dash}"' if dash else ""
    attrs += ' marker-end="url(#alur-arrow)"' if e.kind in ("sequenceFlow", "messageFlow") else ""
    attrs += ' marker-start="url(#alur-default)"' if e.is_default else ""
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in e.points)
    return _group(e, mark, f'<polyline class="alur-shape" points="{points}" {attrs}/>{_text_svg(e.text, halo=True)}',
                  words, note)


def _legend(states: list[str], right: float, top: float, words: dict[str, str]) -> str:
    """A swatch and label (Indonesian unless ``words`` say otherwise) per state used, ending at ``right``."""
    widths = [40 + _text_width(words[s], 11) for s in states]
    x, items = right - sum(widths), []
    for state, width in zip(states, widths):
        items.append(_rect((x, top + 8, 20, 13), _paint(state), 4, "alur-swatch")
                     + f'<text x="{_n(x + 26)}" y="{_n(top + 18.5)}" font-size="11" fill="#333333">'
                     f"{_esc(words[state])}</text>")
        x += width
    return f'<g class="alur-legend">{"".join(items)}</g>'
