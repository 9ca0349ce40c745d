"""The SOP's vertical flowchart read from a BPMN diagram: rows in step order, each in its lane's
column, with the decisions and where their branches lead (the sheet and the report use it).

Only the process's own sequence flows are read; the rows are the human tasks (each an SOP
step), ordered by ``sop.step`` and then by the order the flow reaches them from the start event.
A step is a decision when a gateway follows it with more than one way out; each way names the
step it reaches first (through events and gateways) and its label ("ya" / "tidak").
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from .bpmn_xml import BPMN_NS, NS, _hardened_parser

HUMAN_TASK_TAGS = {"userTask", "manualTask"}
TASK_TAGS = HUMAN_TASK_TAGS | {"task", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                               "businessRuleTask", "callActivity", "subProcess"}
GATEWAY_TAGS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}


@dataclass
class Branch:
    label: str
    target: str | None  # bpmn id of the step reached, None for the end


@dataclass
class FlowRow:
    bpmn_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    is_first: bool = False  # a start event leads here
    is_last: bool = False  # an end event follows
    decision: bool = False
    branches: list[Branch] = field(default_factory=list)
    next_ids: list[str] = field(default_factory=list)  # steps reached next (through non-steps)


@dataclass
class Flowchart:
    key: str
    name: str
    properties: dict[str, str]  # the process's own sop.* properties (the sheet's header)
    lanes: list[str]
    rows: list[FlowRow]


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _properties(el) -> dict[str, str]:
    props: dict[str, str] = {}
    for path in ("./bpmn:extensionElements/camunda:properties/camunda:property",
                 "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"):
        for prop in el.xpath(path, namespaces=NS):
            if prop.get("name"):
                props[prop.get("name")] = prop.get("value", "")
    return props


def _step_number(props: dict[str, str]) -> int | None:
    value = (props.get("sop.step") or "").strip()
    return int(value) if value.isdigit() else None


def process_element(root, key: str | None = None):
    """The ``bpmn:process`` whose id is ``key`` (a file may hold several), else the first."""
    processes = root.findall(f"{{{BPMN_NS}}}process")
    return next((p for p in processes if p.get("id") == key), processes[0] if processes else None)


@lru_cache(maxsize=32)
def read(bpmn_xml: str, key: str | None = None) -> Flowchart:
    """The flowchart of process ``key`` (default: the first) of the validated diagram ``bpmn_xml``."""
    root = etree.fromstring(bpmn_xml.encode("utf-8") if isinstance(bpmn_xml, str) else bpmn_xml,
                            _hardened_parser())
    process = process_element(root, key)
    nodes = {el.get("id"): el for el in process.iter() if el.get("id") and _local(el) and
             (_local(el) in TASK_TAGS or _local(el) in GATEWAY_TAGS or _local(el).endswith("Event"))}
    outgoing: dict[str, list] = {}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
    lane_of: dict[str, str] = {}
    lanes: list[tuple[float, int, str]] = []
    shapes = {s.get("bpmnElement"): s for s in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")}
    for i, lane in enumerate(process.iter(f"{{{BPMN_NS}}}lane")):
        name = (lane.get("name") or "").strip()
        if not name:
            continue
        bounds = shapes.get(lane.get("id"))
        y = bounds.find("{http://www.omg.org/spec/DD/20100524/DC}Bounds") if bounds is not None else None
        lanes.append((float(y.get("y", i)) if y is not None else float(i), i, name))
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = name
    lane_names = [name for _, _, name in sorted(lanes)]

    def is_step(node_id: str) -> bool:
        return node_id in nodes and _local(nodes[node_id]) in TASK_TAGS

    def reached(flow) -> list[str | None]:
        """Steps reached first from ``flow`` (None: an end event), through events and gateways."""
        found: list[str | None] = []
        seen: set[str] = set()
        queue = deque([flow.get("targetRef")])
        while queue:
            node = queue.popleft()
            if node in seen or node not in nodes:
                continue
            seen.add(node)
            if is_step(node):
                found.append(node)
            elif _local(nodes[node]) == "endEvent":
                found.append(None)
            else:
                queue.extend(f.get("targetRef") for f in outgoing.get(node, []))
        return found

    # flow order from the start events: breadth first over steps
    order: dict[str, int] = {}
    queue = deque(n for n, el in nodes.items() if _local(el) == "startEvent")
    starts = set()
    for start in list(queue):
        for flow in outgoing.get(start, []):
            starts.update(t for t in reached(flow) if t)
    seen: set[str] = set()
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        if is_step(node):
            order.setdefault(node, len(order))
        queue.extend(f.get("targetRef") for f in outgoing.get(node, []))

    rows: list[FlowRow] = []
    for node_id, el in nodes.items():
        if not is_step(node_id):
            continue
        props = _properties(el)
        row = FlowRow(bpmn_id=node_id, name=(el.get("name") or node_id).strip(), lane=lane_of.get(node_id),
                      properties=props, is_first=node_id in starts)
        flows = outgoing.get(node_id, [])
        for flow in flows:
            target = nodes.get(flow.get("targetRef"))
            if target is not None and _local(target) in GATEWAY_TAGS and len(outgoing.get(target.get("id"), [])) > 1 \
                    and _local(target) != "parallelGateway":
                row.decision = True
                for branch in outgoing.get(target.get("id"), []):
                    for hit in reached(branch)[:1]:
                        row.branches.append(Branch(label=(branch.get("name") or "").strip(), target=hit))
            for hit in reached(flow):
                if hit is None:
                    row.is_last = True
                elif hit not in row.next_ids:
                    row.next_ids.append(hit)
        rows.append(row)
    rows.sort(key=lambda r: (_step_number(r.properties) is None, _step_number(r.properties) or 0,
                             order.get(r.bpmn_id, len(order)), r.name))
    name = process.get("name") or process.get("id")
    participant = root.find(f".//{{{BPMN_NS}}}participant")
    if not process.get("name") and participant is not None and participant.get("name"):
        name = participant.get("name")
    return Flowchart(key=process.get("id"), name=name, properties=_properties(process), lanes=lane_names, rows=rows)


def decision_steps(bpmn_xml: str, key: str | None = None) -> set[str]:
    """The BPMN ids of the steps a decision follows (review steps that may send work back)."""
    return {row.bpmn_id for row in read(bpmn_xml, key).rows if row.decision}
