"""Write small BPMN 2.0 diagrams (with DI) from a compact description, for tests and benchmarks."""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

SIZES = {"userTask": (100, 80), "manualTask": (100, 80), "scriptTask": (100, 80),
         "exclusiveGateway": (50, 50), "parallelGateway": (50, 50), "inclusiveGateway": (50, 50),
         "startEvent": (36, 36), "endEvent": (36, 36), "intermediateCatchEvent": (36, 36)}


@dataclass
class Node:
    id: str
    kind: str
    name: str = ""
    lane: str = ""
    props: dict = field(default_factory=dict)
    default: str | None = None
    inner: str = ""  # extra XML inside the element (timer definitions etc.)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


def build_bpmn(process_id: str, nodes: list[Node], flows: list[Flow], *, name: str = "Test process",
               lanes: list[str] | None = None) -> bytes:
    lanes = lanes or list(dict.fromkeys(n.lane for n in nodes))
    lane_h, col_w, x0, y0 = 160, 150, 190, 80
    order = {n.id: i for i, n in enumerate(nodes)}
    pos = {}
    for n in nodes:
        w, h = SIZES[n.kind]
        li = lanes.index(n.lane)
        cx = x0 + 60 + order[n.id] * col_w
        cy = y0 + li * lane_h + lane_h // 2
        pos[n.id] = (cx - w // 2, cy - h // 2, w, h)
    width = 120 + len(nodes) * col_w
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
           'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_1" '
           'targetNamespace="http://alur.test/bpmn">',
           f'<bpmn:collaboration id="Collab_1"><bpmn:participant id="Part_1" name={quoteattr(name)} '
           f'processRef="{process_id}"/></bpmn:collaboration>',
           f'<bpmn:process id="{process_id}" name={quoteattr(name)} isExecutable="true">',
           '<bpmn:laneSet id="LaneSet_1">']
    for i, lane in enumerate(lanes):
        out.append(f'<bpmn:lane id="Lane_{i}" name={quoteattr(lane)}>')
        out += [f"<bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>" for n in nodes if n.lane == lane]
        out.append("</bpmn:lane>")
    out.append("</bpmn:laneSet>")
    for n in nodes:
        attrs = f'id="{n.id}" name={quoteattr(n.name)}' + (f' default="{n.default}"' if n.default else "")
        out.append(f"<bpmn:{n.kind} {attrs}>")
        if n.props:
            out.append("<bpmn:extensionElements><spiffworkflow:properties>")
            out += [f"<spiffworkflow:property name={quoteattr(k)} value={quoteattr(str(v))}/>" for k, v in n.props.items()]
            out.append("</spiffworkflow:properties></bpmn:extensionElements>")
        out += [f"<bpmn:incoming>{f.id}</bpmn:incoming>" for f in flows if f.target == n.id]
        out += [f"<bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in flows if f.source == n.id]
        out.append(n.inner)
        out.append(f"</bpmn:{n.kind}>")
    for f in flows:
        attrs = f'id="{f.id}" sourceRef="{f.source}" targetRef="{f.target}"' + (f" name={quoteattr(f.name)}" if f.name else "")
        if f.condition is not None:
            out.append(f'<bpmn:sequenceFlow {attrs}><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                       f"{escape(f.condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>")
        else:
            out.append(f"<bpmn:sequenceFlow {attrs}/>")
    out.append("</bpmn:process>")
    out.append('<bpmndi:BPMNDiagram id="Diagram_1"><bpmndi:BPMNPlane id="Plane_1" bpmnElement="Collab_1">')
    out.append(f'<bpmndi:BPMNShape id="Part_1_di" bpmnElement="Part_1" isHorizontal="true">'
               f'<dc:Bounds x="{x0 - 30}" y="{y0}" width="{width + 30}" height="{lane_h * len(lanes)}"/></bpmndi:BPMNShape>')
    for i, _ in enumerate(lanes):
        out.append(f'<bpmndi:BPMNShape id="Lane_{i}_di" bpmnElement="Lane_{i}" isHorizontal="true">'
                   f'<dc:Bounds x="{x0}" y="{y0 + i * lane_h}" width="{width}" height="{lane_h}"/></bpmndi:BPMNShape>')
    for n in nodes:
        x, y, w, h = pos[n.id]
        out.append(f'<bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"><dc:Bounds x="{x}" y="{y}" '
                   f'width="{w}" height="{h}"/></bpmndi:BPMNShape>')
    for f in flows:
        sx, sy, sw, sh = pos[f.source]
        tx, ty, tw, th = pos[f.target]
        a = (sx + sw, sy + sh // 2)
        b = (tx, ty + th // 2) if tx > sx else (tx + tw // 2, ty + th)
        pts = [a, (a[0] + 20, a[1]), (a[0] + 20, b[1] if tx > sx else b[1] + 30)]
        if tx <= sx:
            pts += [(b[0], b[1] + 30)]
        pts.append(b)
        wps = "".join(f'<di:waypoint x="{x}" y="{y}"/>' for x, y in pts)
        out.append(f'<bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">{wps}</bpmndi:BPMNEdge>')
    out.append("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>")
    return "\n".join(out).encode("utf-8")


def parallel_review_process(process_id: str = "izin_keramaian") -> bytes:
    """A differently shaped process: parallel split/join, exclusive gateway with a default flow,
    lanes that are not the SOP's. Used to prove nothing is special-cased to the SOP."""
    nodes = [
        Node("StartEvent_1", "startEvent", "Permohonan masuk", "Loket"),
        Node("Task_Terima", "userTask", "Terima berkas", "Loket", {"sop.step": 1, "sop.duration": "PT60M"}),
        Node("Split", "parallelGateway", "", "Loket"),
        Node("Task_Polisi", "userTask", "Cek keamanan", "Keamanan", {"sop.step": 2, "sop.duration": "P1D"}),
        Node("Task_Lingkungan", "userTask", "Cek lingkungan", "Lingkungan", {"sop.step": 3, "sop.duration": "P2D"}),
        Node("Join", "parallelGateway", "", "Loket"),
        Node("Decide", "exclusiveGateway", "Layak?", "Kepala", default="Flow_tolak"),
        Node("Task_Izin", "userTask", "Terbitkan izin", "Kepala", {"sop.step": 4}),
        Node("Task_Tolak", "userTask", "Kirim surat penolakan", "Loket", {"sop.step": 5}),
        Node("EndEvent_1", "endEvent", "Selesai", "Kepala"),
        Node("EndEvent_2", "endEvent", "Ditolak", "Loket"),
    ]
    flows = [
        Flow("Flow_1", "StartEvent_1", "Task_Terima"), Flow("Flow_2", "Task_Terima", "Split"),
        Flow("Flow_3", "Split", "Task_Polisi"), Flow("Flow_4", "Split", "Task_Lingkungan"),
        Flow("Flow_5", "Task_Polisi", "Join"), Flow("Flow_6", "Task_Lingkungan", "Join"),
        Flow("Flow_7", "Join", "Decide"),
        Flow("Flow_layak", "Decide", "Task_Izin", "ya", "skor >= 70 and len(catatan) < 500"),
        Flow("Flow_tolak", "Decide", "Task_Tolak", "tidak"),
        Flow("Flow_8", "Task_Izin", "EndEvent_1"), Flow("Flow_9", "Task_Tolak", "EndEvent_2"),
    ]
    return build_bpmn(process_id, nodes, flows, name="Izin Keramaian",
                      lanes=["Loket", "Keamanan", "Lingkungan", "Kepala"])
