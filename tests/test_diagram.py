"""engine.diagram: BPMN DI drawn as a standalone, well-formed SVG with steps marked by state."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from engine.diagram import NO_DI_MESSAGE, _layout, render_svg

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": "http://www.w3.org/2000/svg"}
SOP_FILE = Path(__file__).resolve().parent.parent / "processes" / "pengembangan_aplikasi_egov.bpmn"

TASK_A_NAME = 'Periksa <berkas> & "dokumen" pemohon'
# element id -> (bounds, label bounds) and flow id -> (waypoints, label bounds), drawn as BPMN DI
SHAPES = {
    "Pool_1": ((100, 50, 760, 320), None), "Lane_A": ((130, 50, 730, 160), None),
    "Lane_B": ((130, 210, 730, 160), None), "Start_1": ((180, 112, 36, 36), (178, 155, 40, 14)),
    "Task_A": ((270, 90, 100, 80), None), "Gateway_1": ((425, 105, 50, 50), (462, 84, 60, 14)),
    "Task_B": ((530, 250, 100, 80), None), "End_1": ((700, 272, 36, 36), None),
}
EDGES = {
    "Flow_1": ([(216, 130), (270, 130)], None), "Flow_2": ([(370, 130), (425, 130)], None),
    "Flow_Ya": ([(450, 155), (450, 290), (530, 290)], (456, 170, 16, 14)),
    "Flow_Tidak": ([(450, 105), (450, 30), (320, 30), (320, 90)], None),
    "Flow_5": ([(630, 290), (700, 290)], None),
}
STEP = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="sop.step" value="{}"/>'
        "</spiffworkflow:properties></bpmn:extensionElements>")


def bounds(box: tuple | None, label: bool = False) -> str:
    if box is None:
        return ""
    xml = '<dc:Bounds x="{}" y="{}" width="{}" height="{}"/>'.format(*box)
    return f"<bpmndi:BPMNLabel>{xml}</bpmndi:BPMNLabel>" if label else xml


def di(horizontal: str) -> str:
    shapes = "".join(f'<bpmndi:BPMNShape id="{k}_di" bpmnElement="{k}" isHorizontal="{horizontal}">'
                     f"{bounds(b)}{bounds(label, True)}</bpmndi:BPMNShape>\n" for k, (b, label) in SHAPES.items())
    edges = "".join(f'<bpmndi:BPMNEdge id="{k}_di" bpmnElement="{k}">'
                    + "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in points)
                    + f"{bounds(label, True)}</bpmndi:BPMNEdge>\n" for k, (points, label) in EDGES.items())
    return ('<bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="Collab_1">\n'
            f"{shapes}{edges}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>")


def bpmn(with_di: bool = True, horizontal: str = "true") -> str:
    """One pool, two lanes, start, two user tasks, an exclusive gateway with ya/tidak, end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_1" targetNamespace="urn:test">
  <bpmn:collaboration id="Collab_1">
    <bpmn:participant id="Pool_1" name="Dinas &amp; Kantor" processRef="Proc_1"/>
  </bpmn:collaboration>
  <bpmn:process id="Proc_1" name="Izin &lt;Uji&gt; &amp; Coba" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_A" name="Pemohon">
        <bpmn:flowNodeRef>Start_1</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_A</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Gateway_1</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_B" name="Petugas &amp; Verifikator">
        <bpmn:flowNodeRef>Task_B</bpmn:flowNodeRef><bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="Start_1" name="Mulai"/>
    <bpmn:userTask id="Task_A" name="Periksa &lt;berkas&gt; &amp; &quot;dokumen&quot; pemohon">
      {STEP.format(1)}
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_1" name="Lengkap?" default="Flow_Tidak"/>
    <bpmn:userTask id="Task_B" name="Terbitkan izin">{STEP.format(2)}</bpmn:userTask>
    <bpmn:task id="Task_NoDI" name="Tidak digambar"/>
    <bpmn:endEvent id="End_1" name="Selesai"/>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_A"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_A" targetRef="Gateway_1"/>
    <bpmn:sequenceFlow id="Flow_Ya" name="ya" sourceRef="Gateway_1" targetRef="Task_B"/>
    <bpmn:sequenceFlow id="Flow_Tidak" name="tidak" sourceRef="Gateway_1" targetRef="Task_A"/>
    <bpmn:sequenceFlow id="Flow_5" sourceRef="Task_B" targetRef="End_1"/>
  </bpmn:process>
  {di(horizontal) if with_di else ""}
</bpmn:definitions>"""


def parse(svg: str) -> etree._Element:
    root = etree.fromstring(svg.encode("utf-8"))  # raises on anything not well-formed
    assert root.tag == f"{SVG}svg"
    return root


def group(root: etree._Element, element_id: str) -> etree._Element:
    found = root.xpath("//svg:g[@data-element-id=$id]", namespaces=NS, id=element_id)
    assert len(found) == 1, f"{element_id} drawn {len(found)} times"
    return found[0]


def texts(el: etree._Element) -> list[str]:
    """The visible text of each <text> under ``el`` (tspans joined by a space)."""
    return [" ".join(t.itertext()) for t in el.iter(f"{SVG}text")]


MARKS = {"Start_1": "completed", "Task_A": "completed", "Gateway_1": "completed", "Task_B": "active"}


def test_well_formed_standalone_svg():
    svg = render_svg(bpmn(), MARKS)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Izin <Uji> & Coba"  # the process name, unescaped by the parser
    assert root.find(f"{SVG}style") is not None
    assert "sans-serif" in root.get("font-family")
    assert not re.search(r"href|@import|url\((?!#)", svg), "no external references"
    assert parse(render_svg(bpmn(), title="Kasus #7 & co")).get("aria-label") == "Kasus #7 & co"


def test_each_task_has_its_state_class_and_tooltip():
    root = parse(render_svg(bpmn(), MARKS | {"Unknown_Element": "active", "Task_NoDI": "error"}))
    a, b = group(root, "Task_A"), group(root, "Task_B")
    assert a.get("class").split() == ["el-userTask", "state-completed"]
    assert b.get("class").split() == ["el-userTask", "state-active"]
    assert a.findtext(f"{SVG}title") == f"{TASK_A_NAME} — Selesai"
    assert b.findtext(f"{SVG}title") == "Terbitkan izin — Sedang berjalan"
    assert group(root, "Gateway_1").get("class").split() == ["el-exclusiveGateway", "state-completed"]
    assert group(root, "End_1").get("class").split() == ["el-endEvent", "state-none"]
    rect = b.find(f"{SVG}rect")
    paint = (rect.get("fill"), rect.get("stroke"), rect.get("stroke-width"), rect.get("rx"))
    assert paint == ("#fff4d6", "#b26a00", "3", "10")
    assert a.find(f"{SVG}rect").get("fill") == "#e3f1e6"
    # step badges, flows with their labels, and a legend in Indonesian for the states used
    assert "1" in texts(a) and "2" in texts(b)
    assert {"ya", "tidak", "Lengkap?", "Mulai", "Selesai"} <= {t for g in root.iter(f"{SVG}g") for t in texts(g)}
    assert group(root, "Flow_Tidak").find(f"{SVG}polyline").get("marker-start") == "url(#alur-default)"
    assert group(root, "Flow_Ya").find(f"{SVG}polyline").get("marker-end") == "url(#alur-arrow)"
    legend = root.find(f".//{SVG}g[@class='alur-legend']")
    assert texts(legend) == ["Selesai", "Sedang berjalan"]


def test_custom_labels_translate_the_legend_and_tooltips():
    labels = {"completed": "Done", "active": "In progress <now>", "unknown": "ignored"}
    svg = render_svg(bpmn(), MARKS | {"Start_1": "cancelled"}, labels=labels)
    root = parse(svg)
    assert group(root, "Task_A").findtext(f"{SVG}title") == f"{TASK_A_NAME} — Done"
    assert group(root, "Task_B").findtext(f"{SVG}title") == "Terbitkan izin — In progress <now>"  # escaped
    assert "In progress &lt;now&gt;" in svg
    assert group(root, "Start_1").findtext(f"{SVG}title") == "Mulai — Dibatalkan"  # not given: Indonesian
    legend = root.find(f".//{SVG}g[@class='alur-legend']")
    assert texts(legend) == ["Done", "In progress <now>", "Dibatalkan"]
    assert "ignored" not in svg
    # the default stays Indonesian, and the cached layout is not changed by a call with labels
    assert texts(parse(render_svg(bpmn(), MARKS)).find(f".//{SVG}g[@class='alur-legend']")) == [
        "Selesai", "Sedang berjalan"]


def test_unmarked_diagram_has_no_legend_and_elements_without_di_are_not_drawn():
    root = parse(render_svg(bpmn()))
    assert root.find(f".//{SVG}g[@class='alur-legend']") is None
    assert not root.xpath("//svg:g[@data-element-id='Task_NoDI']", namespaces=NS)
    groups = root.xpath("//svg:g[@data-element-id]", namespaces=NS)
    assert {g.get("class").split()[1] for g in groups} == {"state-none"}
    kinds = {g.get("data-element-id"): g.get("class").split()[0] for g in groups}
    assert kinds == {"Pool_1": "el-participant", "Lane_A": "el-lane", "Lane_B": "el-lane", "Start_1": "el-startEvent",
                     "Task_A": "el-userTask", "Gateway_1": "el-exclusiveGateway", "Task_B": "el-userTask",
                     "End_1": "el-endEvent", "Flow_1": "el-sequenceFlow", "Flow_2": "el-sequenceFlow",
                     "Flow_Ya": "el-sequenceFlow", "Flow_Tidak": "el-sequenceFlow", "Flow_5": "el-sequenceFlow"}


def test_names_with_markup_characters_are_escaped():
    svg = render_svg(bpmn(), MARKS)
    assert "&lt;berkas&gt; &amp;" in svg and "<berkas>" not in svg
    root = parse(svg)
    lane_text = texts(group(root, "Lane_B"))
    assert lane_text == ["Petugas & Verifikator"]
    squeezed = ["".join(t.split()) for t in texts(group(root, "Task_A"))]
    assert "".join(TASK_A_NAME.split()) in squeezed  # wrapped over lines, nothing cut
    assert root.xpath("//svg:g[@data-element-id='Pool_1']/svg:title/text()", namespaces=NS) == ["Dinas & Kantor"]


def test_viewbox_covers_every_shape_waypoint_and_label_with_a_margin():
    source = etree.fromstring(bpmn().encode())
    for marks in (None, MARKS):  # the legend adds a band on top; it must not hide anything
        root = parse(render_svg(bpmn(), marks))
        vx, vy, vw, vh = map(float, root.get("viewBox").split())
        assert (float(root.get("width")), float(root.get("height"))) == (vw, vh)
        for b in source.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds"):
            x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
            assert vx + 20 <= x and x + w <= vx + vw - 20 and vy + 20 <= y and y + h <= vy + vh - 20
        for p in source.iter("{http://www.omg.org/spec/DD/20100524/DI}waypoint"):
            assert vx + 20 <= float(p.get("x")) <= vx + vw - 20 and vy + 20 <= float(p.get("y")) <= vy + vh - 20
    # the "tidak" flow loops up to y=30, above the pool: the view grows to include it
    assert vy <= 30 - 20 - 28


def test_long_names_wrap_inside_the_box_with_an_ellipsis():
    long_name = "Pembuatan rencana implementasi dan jadwal pelaksanaan " * 3
    root = parse(render_svg(bpmn().replace("Terbitkan izin", long_name)))
    lines = [t for t in group(root, "Task_B").iter(f"{SVG}tspan")]
    assert 1 < len(lines) <= 5 and lines[-1].text.endswith("…")
    assert all(530 <= float(t.get("x")) <= 630 and 250 <= float(t.get("y")) <= 330 for t in lines)


def test_diagram_without_di():
    svg = render_svg(bpmn(with_di=False), MARKS)
    root = parse(svg)
    assert texts(root) == [NO_DI_MESSAGE]
    assert root.get("role") == "img" and root.get("viewBox")


def test_vertical_pools_and_bytes_input_and_cache():
    root = parse(render_svg(bpmn(horizontal="false").encode("utf-8"), MARKS))
    assert texts(group(root, "Lane_A")) == ["Pemohon"]
    assert group(root, "Lane_A").find(f"{SVG}text").get("transform") is None
    assert render_svg(bpmn(), MARKS) == render_svg(bpmn().encode("utf-8"), MARKS)


def test_layout_is_parsed_once_per_content():
    xml = bpmn().replace("Terbitkan izin", "Terbitkan izin sekali")
    before = _layout.cache_info()
    svgs = {render_svg(xml, marks) for marks in ({}, {"Task_A": "active"}, {"Task_A": "error"})}
    after = _layout.cache_info()
    assert len(svgs) == 3 and after.misses - before.misses == 1 and after.hits > before.hits
    assert 'class="el-userTask state-error"' in render_svg(xml, {"Task_A": "error"})


def test_a_drawing_is_kept_per_marks_and_titled_per_call():
    """Two cases at the same step draw the same shapes: the drawing is kept, the title is theirs."""
    from engine.diagram import _painted

    xml = bpmn().replace("Terbitkan izin", "Terbitkan izin dua kali")
    before = _painted.cache_info()
    first = render_svg(xml, {"Task_A": "active"}, title="Kasus <satu>")
    second = render_svg(xml, {"Task_A": "active"}, title="Kasus dua")
    other = render_svg(xml, {"Task_A": "completed"}, title="Kasus dua")
    english = render_svg(xml, {"Task_A": "active"}, title="Kasus dua", labels={"active": "In progress"})
    after = _painted.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (3, 1)
    assert 'aria-label="Kasus &lt;satu&gt;"' in first and 'aria-label="Kasus dua"' in second
    assert first.split(">", 1)[1] == second.split(">", 1)[1]  # the same drawing after the opening tag
    assert "state-completed" in other and "state-completed" not in second
    assert "In progress" in english and "In progress" not in second
    parse(first), parse(english)  # each a well-formed SVG


def test_hostile_or_broken_xml_is_refused():
    evil = ('<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
            '<bpmn:process id="p" name="a&e;b"/></bpmn:definitions>')
    with pytest.raises(ValueError):
        render_svg(evil)
    with pytest.raises(ValueError):
        render_svg("<bpmn:definitions")


def test_sop_pengembangan_aplikasi_egov():
    steps = [f"Step{n:02d}" for n in range(1, 15)]
    marks = dict.fromkeys(steps[:3], "completed") | {"Step04": "active"}
    root = parse(render_svg(SOP_FILE.read_bytes(), marks))
    for n, step in enumerate(steps, start=1):
        g = group(root, step)
        assert g.get("class").split() == ["el-userTask", f"state-{marks.get(step, 'none')}"]
        assert str(n) in texts(g), f"{step} has no step badge {n}"
    assert root.xpath("//svg:g[contains(@class, 'el-participant')]", namespaces=NS)
