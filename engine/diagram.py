"""Draw a BPMN 2.0 diagram as a standalone SVG from its BPMN DI, with steps marked by state.

Only what the DI lays out is drawn (``bpmndi:BPMNShape`` bounds, ``bpmndi:BPMNEdge`` waypoints,
``bpmndi:BPMNLabel`` bounds); elements without DI are left out. The parsed layout (positions,
wrapped text) is cached per XML content, so drawing many instances of one deployed definition
only re-paints the marked shapes. The SVG has no external references and no web fonts; its
``<style>`` is scoped to ``svg.alur-diagram`` so it can be inlined into an HTML page.
"""
from __future__ import annotations

import hashlib
import html
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

__all__ = ["STATE_LABELS", "render_svg"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"

#: Mark -> Indonesian label, in legend order.
STATE_LABELS = {"completed": "Selesai", "active": "Sedang berjalan", "error": "Galat", "cancelled": "Dibatalkan"}
NO_DI_MESSAGE = "Diagram tidak memiliki tata letak (BPMN DI)"

MARGIN = 20
HEADER = 30  # width of the name strip of pools and lanes (as bpmn-js draws it)
LEGEND_H = 28
INK = "#404040"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, sans-serif"
# mark -> (fill, stroke, stroke width, dash array)
PAINT = {
    None: ("#ffffff", INK, 1.5, ""),
    "completed": ("#e3f1e6", "#2e7d32", 2.0, ""),
    "active": ("#fff4d6", "#b26a00", 3.0, ""),
    "error": ("#fde7e7", "#c62828", 2.5, ""),
    "cancelled": ("#eeeeee", "#8a8a8a", 1.5, "5 3"),
}
POOLS = frozenset({"participant", "lane"})
ACTIVITIES = frozenset({
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
})
GATEWAYS = {"exclusiveGateway": "x", "parallelGateway": "+", "inclusiveGateway": "o",
            "eventBasedGateway": "e", "complexGateway": "*"}
EVENTS = {"startEvent": 1.5, "endEvent": 4.0, "intermediateCatchEvent": 1.5,
          "intermediateThrowEvent": 1.5, "boundaryEvent": 1.5}
DOUBLE_RING = frozenset({"intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})
INSIDE_TEXT = POOLS | ACTIVITIES | {"textAnnotation"}

STYLE = (
    "<style>"
    f"svg.alur-diagram{{font-family:{FONT};}}"
    "svg.alur-diagram .alur-halo{paint-order:stroke;stroke:#ffffff;stroke-width:3px;stroke-linejoin:round;}"
    "svg.alur-diagram .state-active .alur-shape{filter:drop-shadow(0 0 4px rgba(178,106,0,0.6));}"
    "@media (prefers-reduced-motion:no-preference){svg.alur-diagram .state-active .alur-shape"
    "{animation:alur-pulse 2s ease-in-out infinite;}}"
    "@keyframes alur-pulse{50%{stroke-opacity:0.5;}}"
    "</style>"
)
DEFS = (
    "<defs>"
    '<marker id="alur-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10"'
    f' markerUnits="userSpaceOnUse" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="{INK}"/></marker>'
    '<marker id="alur-default" viewBox="0 0 20 20" refX="0" refY="10" markerWidth="20" markerHeight="20"'
    f' markerUnits="userSpaceOnUse" orient="auto"><path d="M9,5 L15,15" stroke="{INK}" stroke-width="1.5"/></marker>'
    "</defs>"
)

Box = tuple[float, float, float, float]  # x, y, width, height


@dataclass(frozen=True, slots=True)
class _Text:
    size: float
    lines: tuple[tuple[float, float, str], ...]  # centre x, baseline y, text
    rotate: tuple[float, float] | None = None  # rotate -90 degrees around this point


@dataclass(frozen=True, slots=True)
class _Shape:
    id: str
    kind: str
    name: str
    box: Box
    horizontal: bool
    step: str | None
    label: Box | None
    text: _Text | None


@dataclass(frozen=True, slots=True)
class _Edge:
    id: str
    kind: str
    name: str
    points: tuple[tuple[float, float], ...]
    is_default: bool
    label: Box | None
    text: _Text | None


@dataclass(frozen=True, slots=True)
class _Layout:
    title: str
    shapes: tuple[_Shape, ...]
    edges: tuple[_Edge, ...]
    extent: tuple[float, float, float, float] | None  # min x, min y, max x, max y


class _Source:
    """Cache key: equal when the XML bytes are equal (compared by SHA-256 digest)."""

    __slots__ = ("data", "digest")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.digest = hashlib.sha256(data).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Source) and other.digest == self.digest


def render_svg(bpmn_xml: str | bytes, marks: dict[str, str] | None = None, *, title: str | None = None) -> str:
    """Draw the BPMN diagram in ``bpmn_xml`` as a standalone SVG document (a string).

    ``marks`` maps a BPMN element id -> "active" | "completed" | "error" | "cancelled"; marked
    shapes are coloured, and a legend of the marks used is drawn top right. Unknown states are
    ignored. ``title`` (default: the process name) becomes the SVG's ``aria-label``. A file with
    no BPMN DI gives a small SVG saying so; XML that is not well-formed raises ``ValueError``.
    """
    layout = _layout(_Source(_to_bytes(bpmn_xml)))
    label = title or layout.title
    if layout.extent is None:
        return _empty_svg(label)
    marks = {k: v for k, v in (marks or {}).items() if v in STATE_LABELS}
    states = [s for s in STATE_LABELS if s in marks.values()]
    min_x, min_y, max_x, max_y = layout.extent
    vx, vy = min_x - MARGIN, min_y - MARGIN - (LEGEND_H if states else 0)
    parts = [_svg_open(vx, vy, max_x + MARGIN - vx, max_y + MARGIN - vy, label), STYLE, DEFS]
    parts += [_shape_svg(s, marks.get(s.id)) for s in layout.shapes if s.kind in POOLS]
    parts += [_edge_svg(e, marks.get(e.id)) for e in layout.edges]
    parts += [_shape_svg(s, marks.get(s.id)) for s in layout.shapes if s.kind not in POOLS]
    if states:
        parts.append(_legend(states, max_x + MARGIN - 4, vy))
    parts.append("</svg>")
    return "\n".join(parts)


# --- parsing -------------------------------------------------------------------------------------

def _to_bytes(xml: str | bytes) -> bytes:
    """Bytes for the parser; a str loses its XML declaration (its encoding no longer applies)."""
    if isinstance(xml, str):
        return re.sub(r"^\ufeff?\s*<\?xml[^>]*\?>", "", xml, count=1).encode("utf-8")
    return bytes(xml)


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"BPMN XML is not well-formed: {exc}") from exc


@lru_cache(maxsize=32)
def _layout(source: _Source) -> _Layout:
    root = _parse(source.data)
    index = {el.get("id"): el for el in root.iter(f"{{{BPMN_NS}}}*") if el.get("id")}
    plane = root.find(f".//{{{BPMNDI_NS}}}BPMNPlane")
    shapes: list[_Shape] = []
    edges: list[_Edge] = []
    if plane is not None:
        for di in plane.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge"):
            if etree.QName(di).localname == "BPMNShape":
                shapes.append(_read_shape(di, index))
            else:
                edges.append(_read_edge(di, index))
    shapes_t = tuple(sorted((s for s in shapes if s), key=lambda s: s.kind == "boundaryEvent"))
    edges_t = tuple(e for e in edges if e)
    return _Layout(_title(root), shapes_t, edges_t, _extent(shapes_t, edges_t))


def _title(root: etree._Element) -> str:
    for tag in ("process", "participant", "collaboration"):
        for el in root.iter(f"{{{BPMN_NS}}}{tag}"):
            if el.get("name", "").strip():
                return " ".join(el.get("name").split())
    return "Diagram BPMN"


def _name(el: etree._Element) -> str:
    """The element's name, whitespace tidied but explicit line breaks kept."""
    raw = el.findtext(f"{{{BPMN_NS}}}text", "") if el.get("name") is None else el.get("name")
    return "\n".join(" ".join(line.split()) for line in raw.splitlines()).strip()


def _step(el: etree._Element) -> str | None:
    prop = el.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/"
                   f"{{{SPIFF_NS}}}property[@name='sop.step']")
    value = prop.get("value", "").strip() if prop is not None else ""
    return value or None


def _bounds(el: etree._Element | None) -> Box | None:
    if el is None:
        return None
    try:
        box = tuple(float(el.get(k, "nan")) for k in ("x", "y", "width", "height"))
    except ValueError:
        return None
    return box if all(math.isfinite(v) for v in box) and min(box[2:]) >= 0 else None


def _read_shape(di: etree._Element, index: dict) -> _Shape | None:
    el = index.get(di.get("bpmnElement"))
    box = _bounds(di.find(f"{{{DC_NS}}}Bounds"))
    if el is None or box is None:
        return None
    kind, name = etree.QName(el).localname, _name(el)
    horizontal = di.get("isHorizontal", "true").strip().lower() != "false"
    label = _bounds(di.find(f"{{{BPMNDI_NS}}}BPMNLabel/{{{DC_NS}}}Bounds"))
    return _Shape(el.get("id"), kind, name, box, horizontal, _step(el), label,
                  _shape_text(kind, name, box, horizontal, label))


def _read_edge(di: etree._Element, index: dict) -> _Edge | None:
    el = index.get(di.get("bpmnElement"))
    points = []
    for wp in di.iter(f"{{{DI_NS}}}waypoint"):
        try:
            points.append((float(wp.get("x")), float(wp.get("y"))))
        except (TypeError, ValueError):
            continue
    if el is None or len(points) < 2:
        return None
    source = index.get(el.get("sourceRef"))
    is_default = source is not None and source.get("default") == el.get("id")
    name = _name(el)
    label = _bounds(di.find(f"{{{BPMNDI_NS}}}BPMNLabel/{{{DC_NS}}}Bounds"))
    text = _label_text(name, label, _edge_anchor(points, name)) if name else None
    return _Edge(el.get("id"), etree.QName(el).localname, name, tuple(points), is_default, label, text)


def _extent(shapes: tuple[_Shape, ...], edges: tuple[_Edge, ...]) -> tuple[float, float, float, float] | None:
    """Bounds of everything drawn: shapes, labels, waypoints and (estimated) label text."""
    xs: list[float] = []
    ys: list[float] = []
    for box in [s.box for s in shapes] + [i.label for i in (*shapes, *edges) if i.label]:
        xs += [box[0], box[0] + box[2]]
        ys += [box[1], box[1] + box[3]]
    for e in edges:
        xs += [x for x, _ in e.points]
        ys += [y for _, y in e.points]
    for t in [i.text for i in (*shapes, *edges) if i.text and not i.text.rotate]:
        for x, y, line in t.lines:
            half = _text_width(line, t.size) / 2
            xs += [x - half, x + half]
            ys += [y - t.size, y + 4]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


# --- text layout ---------------------------------------------------------------------------------

def _text_width(text: str, size: float) -> float:
    """Approximate rendered width of ``text`` in a sans-serif font (about 6.5px a char at 12px)."""
    em = 0.0
    for ch in text:
        em += 0.3 if ch in " iljtfr.,;:!|'()[]/" else 0.86 if ch in "mwMW@%" else 0.68 if ch.isupper() else 0.56
    return em * size


def _line_height(size: float) -> float:
    return size + 2


def _split_word(word: str, width: float, size: float) -> list[str]:
    """Break a word wider than ``width`` into pieces that fit."""
    if _text_width(word, size) <= width:
        return [word]
    pieces, cur = [], ""
    for ch in word:
        if cur and _text_width(cur + ch, size) > width:
            pieces.append(cur)
            cur = ""
        cur += ch
    return pieces + [cur]


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy word wrap; explicit line breaks in ``text`` are kept."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in (p for w in para.split() for p in _split_word(w, width, size)):
            candidate = f"{line} {word}" if line else word
            if line and _text_width(candidate, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        if line:
            lines.append(line)
    return lines


def _fit(text: str, width: float, height: float, sizes: tuple[float, ...] = (12, 11, 10),
         max_lines: int = 5) -> tuple[float, list[str]]:
    """Largest font size whose wrapped lines fit the box; else the smallest, cut with an ellipsis."""
    for size in sizes:
        limit = max(1, min(max_lines, int(height // _line_height(size))))
        lines = _wrap(text, width, size)
        if len(lines) <= limit:
            return size, lines
    last = lines[limit - 1]
    while last and _text_width(last + "…", size) > width:
        last = last[:-1]
    return size, lines[:limit - 1] + [last.rstrip() + "…"]


def _block(lines: list[str], cx: float, top: float, size: float,
           rotate: tuple[float, float] | None = None) -> _Text:
    lh = _line_height(size)
    return _Text(size, tuple((cx, top + i * lh + lh / 2 + size * 0.35, s) for i, s in enumerate(lines)), rotate)


def _centered(lines: list[str], cx: float, cy: float, size: float,
              rotate: tuple[float, float] | None = None) -> _Text:
    return _block(lines, cx, cy - len(lines) * _line_height(size) / 2, size, rotate)


def _shape_text(kind: str, name: str, box: Box, horizontal: bool, label: Box | None) -> _Text | None:
    if not name:
        return None
    x, y, w, h = box
    if kind in POOLS and horizontal:
        size, lines = _fit(name, h - 12, HEADER - 2, (12, 11), 2)
        return _centered(lines, x + HEADER / 2, y + h / 2, size, rotate=(x + HEADER / 2, y + h / 2))
    if kind in POOLS:
        size, lines = _fit(name, w - 12, HEADER - 2, (12, 11), 2)
        return _centered(lines, x + w / 2, y + HEADER / 2, size)
    if kind in INSIDE_TEXT:
        size, lines = _fit(name, w - 12, h - 6)
        return _centered(lines, x + w / 2, y + h / 2, size)
    return _label_text(name, label, (x + w / 2, y + h + 4))


def _label_text(name: str, label: Box | None, fallback: tuple[float, float]) -> _Text:
    """Text at its BPMNLabel bounds (top-centred), or with its top centre at ``fallback``."""
    if label is not None:
        lx, ly, lw, _ = label
        return _block(_wrap(name, max(lw + 10, 90), 11), lx + lw / 2, ly, 11)
    return _block(_wrap(name, 90, 11), fallback[0], fallback[1], 11)


def _edge_anchor(points: list[tuple[float, float]], name: str) -> tuple[float, float]:
    """Where a flow's name goes without BPMNLabel: beside the middle of its middle segment."""
    (x1, y1), (x2, y2) = points[(len(points) - 1) // 2], points[(len(points) - 1) // 2 + 1]
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    if abs(x2 - x1) < abs(y2 - y1):  # vertical segment: to its right
        return mx + 6 + min(_text_width(name, 11), 90) / 2, my - 7
    return mx, my - 17


# --- drawing -------------------------------------------------------------------------------------

def _esc(text: str) -> str:
    return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text), quote=True)


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _paint(mark: str | None, base_width: float = 1.5, base_fill: str = "#ffffff") -> str:
    fill, stroke, width, dash = PAINT[mark]
    attrs = f'fill="{base_fill if mark is None else fill}" stroke="{stroke}" stroke-width="{_n(max(width, base_width))}"'
    return attrs + (f' stroke-dasharray="{dash}"' if dash else "")


def _svg_open(x: float, y: float, w: float, h: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="alur-diagram" viewBox="{_n(x)} {_n(y)} {_n(w)} {_n(h)}"'
            f' width="{_n(w)}" height="{_n(h)}" role="img" aria-label="{_esc(label)}" font-family="{_esc(FONT)}">'
            f'\n<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="#ffffff"/>')


def _empty_svg(label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="alur-diagram" viewBox="0 0 420 60" width="420"'
            f' height="60" role="img" aria-label="{_esc(label)}" font-family="{_esc(FONT)}">'
            '<rect x="0.5" y="0.5" width="419" height="59" rx="6" fill="#fafafa" stroke="#cccccc"/>'
            f'<text x="210" y="35" text-anchor="middle" font-size="14" fill="#555555">{NO_DI_MESSAGE}</text></svg>')


def _text_svg(t: _Text | None, halo: bool = False, fill: str = "#1f1f1f") -> str:
    if t is None:
        return ""
    cls = ' class="alur-halo"' if halo else ""
    rot = f' transform="rotate(-90 {_n(t.rotate[0])} {_n(t.rotate[1])})"' if t.rotate else ""
    spans = "".join(f'<tspan x="{_n(x)}" y="{_n(y)}">{_esc(s)}</tspan>' for x, y, s in t.lines)
    return f'<text{cls} font-size="{_n(t.size)}" text-anchor="middle" fill="{fill}"{rot}>{spans}</text>'


def _tooltip(name: str, mark: str | None) -> str:
    return f"{name} — {STATE_LABELS[mark]}" if mark else name


def _shape_svg(s: _Shape, mark: str | None) -> str:
    body = (_pool_body if s.kind in POOLS else _activity_body if s.kind in ACTIVITIES
            else _gateway_body if s.kind in GATEWAYS else _event_body if s.kind in EVENTS
            else _annotation_body if s.kind == "textAnnotation" else _other_body)(s, mark)
    text = _text_svg(s.text, halo=s.kind not in INSIDE_TEXT, fill="#666666" if mark == "cancelled" else "#1f1f1f")
    return (f'<g class="el-{_esc(s.kind)} state-{mark or "none"}" data-element-id="{_esc(s.id)}">'
            f'<title>{_esc(_tooltip(" ".join((s.name or s.id).split()), mark))}</title>{body}{text}</g>')


def _pool_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    hx, hy, hw, hh = (x, y, HEADER, h) if s.horizontal else (x, y, w, HEADER)
    header_fill = PAINT[mark][0] if mark else ("#eef1f5" if s.kind == "participant" else "#f7f8fa")
    width = 1.5 if s.kind == "participant" else 1
    return (f'<rect class="alur-shape" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="none"'
            f' stroke="{INK}" stroke-width="{width}"/>'
            f'<rect x="{_n(hx)}" y="{_n(hy)}" width="{_n(hw)}" height="{_n(hh)}" fill="{header_fill}"'
            f' stroke="{INK}" stroke-width="{width}"/>')


def _activity_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    base = 3.0 if s.kind == "callActivity" else 1.5
    rect = (f'<rect class="alur-shape" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="10"'
            f' {_paint(mark, base)}/>')
    if not s.step:
        return rect
    badge = PAINT[mark][1] if mark else "#37474f"
    return (rect + f'<circle cx="{_n(x + 3)}" cy="{_n(y + 3)}" r="10" fill="{badge}" stroke="#ffffff" stroke-width="1.5"/>'
            f'<text x="{_n(x + 3)}" y="{_n(y + 6.5)}" font-size="10" font-weight="bold" text-anchor="middle"'
            f' fill="#ffffff">{_esc(s.step)}</text>')


def _gateway_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    cx, cy = x + w / 2, y + h / 2
    ink = PAINT[mark][1]
    diamond = (f'<polygon class="alur-shape" points="{_n(cx)},{_n(y)} {_n(x + w)},{_n(cy)} {_n(cx)},{_n(y + h)}'
               f' {_n(x)},{_n(cy)}" {_paint(mark)}/>')
    glyph, d = GATEWAYS[s.kind], min(w, h)
    if glyph in "oe":
        rings = [0.25] if glyph == "o" else [0.3, 0.24]
        return diamond + "".join(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(d * r)}" fill="none" stroke="{ink}"'
                                 f' stroke-width="{2.5 if glyph == "o" else 1.2}"/>' for r in rings)
    a, b = d * 0.18, d * 0.25
    lines = {"x": [(-a, -a, a, a), (-a, a, a, -a)], "+": [(0, -b, 0, b), (-b, 0, b, 0)]}
    segs = lines["x"] + lines["+"] if glyph == "*" else lines[glyph]
    path = " ".join(f"M{_n(cx + x1)},{_n(cy + y1)} L{_n(cx + x2)},{_n(cy + y2)}" for x1, y1, x2, y2 in segs)
    return diamond + f'<path d="{path}" stroke="{ink}" stroke-width="3.5" stroke-linecap="round" fill="none"/>'


def _event_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
    out = f'<circle class="alur-shape" cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" {_paint(mark, EVENTS[s.kind])}/>'
    if s.kind in DOUBLE_RING:
        out += f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r - 3)}" fill="none" stroke="{PAINT[mark][1]}" stroke-width="1.5"/>'
    return out


def _annotation_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    return (f'<path class="alur-shape" d="M{_n(x + 10)},{_n(y)} L{_n(x)},{_n(y)} L{_n(x)},{_n(y + h)} L{_n(x + 10)},'
            f'{_n(y + h)}" fill="none" stroke="{PAINT[mark][1]}" stroke-width="1.5"/>')


def _other_body(s: _Shape, mark: str | None) -> str:
    x, y, w, h = s.box
    return f'<rect class="alur-shape" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="2" {_paint(mark)}/>'


def _edge_svg(e: _Edge, mark: str | None) -> str:
    _, stroke, width, dash = PAINT[mark]
    dash = dash or {"messageFlow": "7 4", "association": "2 3"}.get(e.kind, "")
    attrs = f'fill="none" stroke="{stroke}" stroke-width="{_n(width)}" stroke-linejoin="round"'
    attrs += f' stroke-dasharray="{dash}"' if dash else ""
    attrs += ' marker-end="url(#alur-arrow)"' if e.kind in ("sequenceFlow", "messageFlow") else ""
    attrs += ' marker-start="url(#alur-default)"' if e.is_default else ""
    points = " ".join(f"{_n(x)},{_n(y)}" for x, y in e.points)
    return (f'<g class="el-{_esc(e.kind)} state-{mark or "none"}" data-element-id="{_esc(e.id)}">'
            f'<title>{_esc(_tooltip(" ".join((e.name or e.id).split()), mark))}</title>'
            f'<polyline class="alur-shape" points="{points}" {attrs}/>{_text_svg(e.text, halo=True)}</g>')


def _legend(states: list[str], right: float, top: float) -> str:
    widths = [28 + _text_width(STATE_LABELS[s], 11) + 12 for s in states]
    x = right - sum(widths)
    items = []
    for state, width in zip(states, widths):
        fill, stroke, stroke_width, dash = PAINT[state]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(f'<rect x="{_n(x)}" y="{_n(top + 8)}" width="20" height="13" rx="4" fill="{fill}" stroke="{stroke}"'
                     f' stroke-width="{_n(min(stroke_width, 2))}"{dash_attr}/>'
                     f'<text x="{_n(x + 26)}" y="{_n(top + 18.5)}" font-size="11" fill="#333333">{_esc(STATE_LABELS[state])}</text>')
        x += width
    return f'<g class="alur-legend">{"".join(items)}</g>'
