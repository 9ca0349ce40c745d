"""Draw an :class:`~engine.sop_table.SopTable` as a BPMN 2.0 diagram alur runs and any modeler opens.

One participant with a lane per Pelaksana; start → a user task per step, in the table's order →
end. A decision step is followed by an exclusive gateway: "ya" (condition ``disetujui == True``)
goes on, "tidak" (the default flow) goes back to the step the table names. A step that several
flows reach gets a merging gateway in front of it, as the seed SOP's diagram has. The layout (DI)
puts lanes one under another and steps left to right, a column each, so the diagram reads like
the table; flows going back run along the top (or bottom) strip of their target's lane.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from lxml import etree

from .sop_table import SopStep, SopTable

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "spiffworkflow": SPIFF, "xsi": XSI}

#: The form a decision step gets (under forms/): its boolean ``disetujui`` is what the gateway reads.
DECISION_FORM = "keputusan.json"
DECISION_FIELD = "disetujui"

LANE_HEIGHT = 160
COLUMN = 150
POOL_X, POOL_Y, POOL_LABEL = 120, 60, 30
TASK_W, TASK_H, GATEWAY, EVENT = 100, 80, 50, 36


def process_key(name: str) -> str:
    """A process id from the SOP's name: ``"Pengembangan Aplikasi E-Government"`` →
    ``pengembangan_aplikasi_e_government`` (an XML name: starts with a letter, at most 60 long)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:60].rstrip("_")
    if not key or not key[0].isalpha():
        key = "sop_" + key if key else "sop_impor"
    return key


@dataclass
class _Node:
    id: str
    kind: str  # startEvent, userTask, exclusiveGateway, endEvent
    lane: str
    column: int
    name: str = ""
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    name: str = ""
    condition: str | None = None


def build_bpmn(table: SopTable) -> bytes:
    """The BPMN XML (UTF-8, with DI) of ``table``."""
    key = process_key(table.name)
    nodes, flows, defaults = _graph(table)
    root = etree.Element(f"{{{BPMN}}}definitions", nsmap=NSMAP, id=f"Definitions_{key}",
                         targetNamespace=f"urn:alur:sop:{key}", exporter="alur (impor tabel SOP)",
                         exporterVersion="1")
    collaboration = etree.SubElement(root, f"{{{BPMN}}}collaboration", id="Collaboration_SOP")
    etree.SubElement(collaboration, f"{{{BPMN}}}participant", id="Participant_SOP", name=table.name, processRef=key)
    process = etree.SubElement(root, f"{{{BPMN}}}process", id=key, name=table.name, isExecutable="true")
    if table.properties:
        _properties(process, table.properties)
    lane_set = etree.SubElement(process, f"{{{BPMN}}}laneSet", id="LaneSet_SOP")
    lane_ids = {lane: f"Lane_{i + 1}" for i, lane in enumerate(table.lanes)}
    for lane in table.lanes:
        el = etree.SubElement(lane_set, f"{{{BPMN}}}lane", id=lane_ids[lane], name=lane)
        for node in nodes.values():
            if node.lane == lane:
                etree.SubElement(el, f"{{{BPMN}}}flowNodeRef").text = node.id
    steps = {f"Step{s.number:02d}": s for s in table.steps}
    for node in nodes.values():
        el = etree.SubElement(process, f"{{{BPMN}}}{node.kind}", id=node.id)
        if node.name:
            el.set("name", node.name)
        if node.id in defaults:
            el.set("default", defaults[node.id])
        if node.id in steps:
            _step(el, steps[node.id])
        for ref in node.incoming:
            etree.SubElement(el, f"{{{BPMN}}}incoming").text = ref
        for ref in node.outgoing:
            etree.SubElement(el, f"{{{BPMN}}}outgoing").text = ref
    for flow in flows:
        el = etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id=flow.id, sourceRef=flow.source,
                              targetRef=flow.target)
        if flow.name:
            el.set("name", flow.name)
        if flow.condition:
            cond = etree.SubElement(el, f"{{{BPMN}}}conditionExpression")
            cond.set(f"{{{XSI}}}type", "bpmn:tFormalExpression")
            cond.text = flow.condition
    _diagram(root, table, nodes, flows, lane_ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _properties(el, values: dict[str, str]) -> None:
    ext = el.find(f"{{{BPMN}}}extensionElements")
    if ext is None:
        ext = etree.SubElement(el, f"{{{BPMN}}}extensionElements")
    props = etree.SubElement(ext, f"{{{SPIFF}}}properties")
    for name, value in values.items():
        etree.SubElement(props, f"{{{SPIFF}}}property", name=name, value=value)


def _step(el, step: SopStep) -> None:
    doc = step.text + (f"\n\n{step.remark}" if step.remark else "")
    etree.SubElement(el, f"{{{BPMN}}}documentation").text = doc
    values = {"sop.step": str(step.number)}
    if step.duration:
        values["sop.duration"] = step.duration
    if step.output:
        values["sop.output"] = step.output
    values["sop.output_required"] = "true" if step.output_required else "false"
    if step.inputs:
        values["sop.inputs"] = step.inputs
    if step.decision:
        values["sop.form"] = DECISION_FORM
    _properties(el, values)


def _graph(table: SopTable) -> tuple[dict[str, _Node], list[_Flow], dict[str, str]]:
    """Nodes (in drawing order, each with its column) and flows; gateways' default flows."""
    steps = table.steps
    index = {s.number: i for i, s in enumerate(steps)}
    task_id = lambda s: f"Step{s.number:02d}"  # noqa: E731
    # where each step's flows go: (target index or None for the end, label, condition, is default)
    edges: list[tuple[int, int | None, str, str | None, bool]] = []
    for i, step in enumerate(steps):
        following = i + 1 if i + 1 < len(steps) else None
        if step.decision:
            yes = index[step.yes_to] if step.yes_to is not None else following
            no = index[step.no_to] if step.no_to is not None else following
            edges.append((i, yes, "ya", f"{DECISION_FIELD} == True", False))
            edges.append((i, no, "tidak", None, True))
        else:
            edges.append((i, following, "", None, False))
    arrivals = {i: 0 for i in range(len(steps))}
    arrivals[0] += 1  # from the start event
    for _src, target, *_rest in edges:
        if target is not None:
            arrivals[target] += 1
    nodes: dict[str, _Node] = {}
    column = 0
    nodes["StartEvent_Mulai"] = _Node("StartEvent_Mulai", "startEvent", steps[0].lane, column, "Mulai")
    entry: dict[int, str] = {}
    exit_: dict[int, str] = {}
    for i, step in enumerate(steps):
        if arrivals[i] > 1:
            column += 1
            merge = f"Gateway_Gabung{step.number:02d}"
            nodes[merge] = _Node(merge, "exclusiveGateway", step.lane, column)
            entry[i] = merge
        column += 1
        nodes[task_id(step)] = _Node(task_id(step), "userTask", step.lane, column, step.text[:250])
        entry.setdefault(i, task_id(step))
        exit_[i] = task_id(step)
        if step.decision:
            column += 1
            gateway = f"Gateway_Keputusan{step.number:02d}"
            label = step.text if step.text.endswith("?") else "Disetujui?"
            nodes[gateway] = _Node(gateway, "exclusiveGateway", step.lane, column, label)
            exit_[i] = gateway
    column += 1
    nodes["EndEvent_Selesai"] = _Node("EndEvent_Selesai", "endEvent", steps[-1].lane, column, "Selesai")

    flows: list[_Flow] = []
    defaults: dict[str, str] = {}

    def connect(source: str, target: str, name: str = "", condition: str | None = None) -> _Flow:
        flow = _Flow(f"Flow_{source}_{target}", source, target, name, condition)
        if any(f.id == flow.id for f in flows):
            flow.id += f"_{len(flows)}"
        flows.append(flow)
        nodes[source].outgoing.append(flow.id)
        nodes[target].incoming.append(flow.id)
        return flow

    connect("StartEvent_Mulai", entry[0])
    for i, step in enumerate(steps):
        if entry[i] != task_id(step):
            connect(entry[i], task_id(step))
        if step.decision:
            connect(task_id(step), exit_[i])
    for source, target, label, condition, is_default in edges:
        flow = connect(exit_[source], entry[target] if target is not None else "EndEvent_Selesai", label, condition)
        if is_default:
            defaults[exit_[source]] = flow.id
    return nodes, flows, defaults


def _diagram(root, table: SopTable, nodes: dict[str, _Node], flows: list[_Flow], lane_ids: dict[str, str]) -> None:
    lane_row = {lane: i for i, lane in enumerate(table.lanes)}
    columns = max(n.column for n in nodes.values()) + 1
    width = POOL_LABEL + 60 + columns * COLUMN
    height = LANE_HEIGHT * len(table.lanes)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_SOP")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_SOP", bpmnElement="Collaboration_SOP")

    def shape(element: str, x: float, y: float, w: float, h: float, **attrs) -> None:
        el = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{element}_di", bpmnElement=element, **attrs)
        etree.SubElement(el, f"{{{DC}}}Bounds", x=f"{x:g}", y=f"{y:g}", width=f"{w:g}", height=f"{h:g}")

    shape("Participant_SOP", POOL_X, POOL_Y, width, height, isHorizontal="true")
    for lane, i in lane_row.items():
        shape(lane_ids[lane], POOL_X + POOL_LABEL, POOL_Y + i * LANE_HEIGHT, width - POOL_LABEL, LANE_HEIGHT,
              isHorizontal="true")
    box: dict[str, tuple[float, float, float, float]] = {}
    for node in nodes.values():
        cx = POOL_X + POOL_LABEL + 60 + node.column * COLUMN
        cy = POOL_Y + lane_row[node.lane] * LANE_HEIGHT + LANE_HEIGHT / 2
        w, h = {"userTask": (TASK_W, TASK_H), "exclusiveGateway": (GATEWAY, GATEWAY)}.get(node.kind, (EVENT, EVENT))
        box[node.id] = (cx - w / 2, cy - h / 2, w, h)
        extra = {"isMarkerVisible": "true"} if node.kind == "exclusiveGateway" else {}
        shape(node.id, *box[node.id], **extra)
    for flow in flows:
        sx, sy, sw, sh = box[flow.source]
        tx, ty, tw, th = box[flow.target]
        scx, scy, tcx, tcy = sx + sw / 2, sy + sh / 2, tx + tw / 2, ty + th / 2
        if nodes[flow.target].column > nodes[flow.source].column:
            points = [(sx + sw, scy), (tx, tcy)] if abs(scy - tcy) < 1 else \
                [(sx + sw, scy), ((sx + sw + tx) / 2, scy), ((sx + sw + tx) / 2, tcy), (tx, tcy)]
        else:  # back to an earlier column: along the target lane's top (or bottom) strip
            target_top = POOL_Y + lane_row[nodes[flow.target].lane] * LANE_HEIGHT
            if lane_row[nodes[flow.target].lane] <= lane_row[nodes[flow.source].lane]:
                strip = target_top + 16
                points = [(scx, sy), (scx, strip), (tcx, strip), (tcx, ty)]
            else:
                strip = target_top + LANE_HEIGHT - 16
                points = [(scx, sy + sh), (scx, strip), (tcx, strip), (tcx, ty + th)]
        edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in points:
            etree.SubElement(edge, f"{{{DI}}}waypoint", x=f"{x:g}", y=f"{y:g}")
