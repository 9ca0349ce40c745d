"""Safe loading and validation of BPMN 2.0 files.

The XML is parsed with a hardened lxml parser (no DTD, no entities, no network, no huge trees),
checked for the conventions alur relies on (see DESIGN.md), and only then handed to
SpiffWorkflow's spiff parser. Every problem names the element and the line it is on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import isodate
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .case_numbers import PREFIX_PATTERN, derive_prefix
from .errors import Invalid, Problem
from .expressions import UnsafeExpression, check_expression
from .forms import FormError, load_form

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS, "bpmndi": BPMNDI_NS}

#: Ids SpiffWorkflow uses for its own internal task specs.
RESERVED_IDS = {"Start", "End", "Root"}
#: The process id of a new, still unnamed diagram (the web modeler's starting point): never deployed.
PLACEHOLDER_KEY = "proses_baru"
FLOW_NODE_TAGS = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "startEvent", "endEvent",
    "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
HUMAN_TASK_TAGS = {"userTask", "manualTask"}
CAMUNDA_DUE_DATE = f"{{{CAMUNDA_NS}}}dueDate"


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False, remove_pis=True,
    )


@dataclass
class TaskMeta:
    """What alur needs to know about one user task, read from the diagram once at deploy."""

    bpmn_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    documentation: str
    candidate_roles: list[str]

    @property
    def step(self) -> int | None:
        value = self.properties.get("sop.step")
        return int(value) if value and value.strip().isdigit() else None

    @property
    def duration(self) -> str | None:
        return self.properties.get("sop.duration") or None

    @property
    def output(self) -> str | None:
        return self.properties.get("sop.output") or None

    @property
    def output_required(self) -> bool:
        return self.properties.get("sop.output_required", "").strip().lower() in ("true", "1", "ya", "yes")

    @property
    def inputs(self) -> str | None:
        return self.properties.get("sop.inputs") or None

    @property
    def assignee_variable(self) -> str | None:
        return self.properties.get("sop.assignee") or None

    @property
    def form(self) -> str | None:
        return self.properties.get("sop.form") or None

    def as_dict(self) -> dict[str, Any]:
        return {"bpmn_id": self.bpmn_id, "name": self.name, "lane": self.lane,
                "properties": self.properties, "documentation": self.documentation,
                "candidate_roles": self.candidate_roles}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TaskMeta":
        return cls(**d)


@dataclass
class ParsedProcess:
    key: str
    name: str
    documentation: str
    content_hash: str
    xml: str
    spec: Any
    subprocess_specs: dict
    tasks: dict[str, TaskMeta] = field(default_factory=dict)
    lanes: list[str] = field(default_factory=list)
    #: The registration numbers' prefix (``sop.prefix`` on the process), derived from the name if unset.
    prefix: str = ""


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _loc(el) -> dict:
    ident = el.get("id") or etree.QName(el).localname
    name = el.get("name")
    label = f"{etree.QName(el).localname} '{ident}'" + (f" ({name})" if name else "")
    return {"element": label, "line": el.sourceline}


def parse_xml(data: bytes, max_bytes: int) -> etree._Element:
    """Parse untrusted bytes into an element tree, refusing DTDs, entities and non-BPMN roots."""
    if len(data) > max_bytes:
        raise Invalid("BPMN file too large", [Problem(f"the file is {len(data)} bytes; at most {max_bytes} are accepted")])
    if not data.strip():
        raise Invalid("Invalid BPMN", [Problem("the file is empty")])
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise Invalid("Invalid BPMN: not well-formed XML", [Problem(str(exc.msg), line=exc.lineno)]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise Invalid("Invalid BPMN", [Problem("DOCTYPE and entity declarations are not allowed", line=1)])
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise Invalid("Invalid BPMN", [Problem("entity references are not allowed", line=el.sourceline)])
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise Invalid("Invalid BPMN: not a BPMN 2.0 file", [Problem(
            f"the root element is '{etree.QName(root).localname}', expected bpmn:definitions in namespace {BPMN_NS}",
            line=root.sourceline)])
    return root


def _properties_of(el) -> dict[str, str]:
    props: dict[str, str] = {}
    for prop in el.xpath("./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS):
        if prop.get("name"):
            props[prop.get("name")] = prop.get("value", "")
    for prop in el.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS):
        if prop.get("name"):
            props[prop.get("name")] = prop.get("value", "")
    return props


def _is_duration(value: str) -> bool:
    try:
        isodate.parse_duration(value.strip())
    except (isodate.ISO8601Error, ValueError):
        return False
    return value.strip().startswith("P")


def _accept_camunda_properties(el) -> None:
    """Copy what Camunda Modeler writes into ``spiffworkflow:properties``, so the spiff parser sees
    it: ``camunda:properties``, and a ``camunda:dueDate`` duration as ``sop.duration`` (a step's
    own ``sop.duration`` wins)."""
    camunda = {p.get("name"): p.get("value", "") for p in el.xpath(
        "./bpmn:extensionElements/camunda:properties/camunda:property", namespaces=NS) if p.get("name")}
    due = el.get(CAMUNDA_DUE_DATE)
    if due is not None and _is_duration(due):
        camunda.setdefault("sop.duration", due.strip())
    if not camunda:
        return
    ext = el.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is None:
        ext = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        el.insert(1 if len(el) and etree.QName(el[0]).localname == "documentation" else 0, ext)
    spiff = ext.find(f"{{{SPIFF_NS}}}properties")
    if spiff is None:
        spiff = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    have = {p.get("name") for p in spiff}
    for name, value in camunda.items():
        if name not in have:
            etree.SubElement(spiff, f"{{{SPIFF_NS}}}property", name=name, value=value)


def check_structure(root, forms_dir: Path, scripts_enabled: bool) -> list[Problem]:
    """alur's own checks, before SpiffWorkflow sees the tree."""
    problems: list[Problem] = []
    processes = root.findall(f"{{{BPMN_NS}}}process")
    if len(processes) != 1:
        problems.append(Problem(f"expected exactly one bpmn:process, found {len(processes)}", line=root.sourceline))
        return problems
    process = processes[0]
    if not process.get("id"):
        problems.append(Problem("the process has no id", **_loc(process)))
    elif process.get("id") == PLACEHOLDER_KEY:
        problems.append(Problem(f"'{PLACEHOLDER_KEY}' is the key of a new, unnamed diagram; give the process "
                                "a key of its own", **_loc(process)))

    ids: dict[str, Any] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ident = el.get("id")
        if ident is None:
            continue
        if ident in ids and etree.QName(el).namespace == BPMN_NS:
            problems.append(Problem(f"duplicate id '{ident}'", **_loc(el)))
        ids.setdefault(ident, el)
        if ident in RESERVED_IDS and etree.QName(el).namespace == BPMN_NS:
            problems.append(Problem(
                f"the id '{ident}' collides with SpiffWorkflow's internal task names; rename it "
                f"(e.g. '{ident}Event_1')", **_loc(el)))

    nodes = {el.get("id"): el for el in process.iter()
             if isinstance(el.tag, str) and etree.QName(el).namespace == BPMN_NS
             and etree.QName(el).localname in FLOW_NODE_TAGS}
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref or ref not in nodes:
                problems.append(Problem(f"{attr} '{ref}' does not name a flow node of this process", **_loc(flow)))
        cond = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        if cond is not None and (cond.text or "").strip():
            try:
                check_expression(cond.text)
            except UnsafeExpression as exc:
                problems.append(Problem(f"unsafe or invalid condition '{cond.text.strip()}': {exc}", **_loc(flow)))
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for timer in process.iter(f"{{{BPMN_NS}}}{tag}"):
            try:
                check_expression(timer.text or "")
            except UnsafeExpression as exc:
                problems.append(Problem(f"invalid timer expression (quote durations: \"'P3D'\"): {exc}", **_loc(timer)))

    if not scripts_enabled:
        for el in process.iter(f"{{{BPMN_NS}}}scriptTask"):
            problems.append(Problem("script tasks are disabled on this server", **_loc(el)))
        for tag in ("preScript", "postScript"):
            for el in process.iter(f"{{{SPIFF_NS}}}{tag}"):
                if (el.text or "").strip():
                    owner = el.getparent().getparent()
                    problems.append(Problem(f"{tag} is disabled on this server", **_loc(owner)))

    lane_of: dict[str, str] = {}
    lanes = list(process.iter(f"{{{BPMN_NS}}}lane"))
    for lane in lanes:
        if not (lane.get("name") or "").strip():
            problems.append(Problem("the lane has no name (its name is the role that does its tasks)", **_loc(lane)))
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            target = (ref.text or "").strip()
            if target not in nodes:
                problems.append(Problem(f"flowNodeRef '{target}' does not name a flow node", **_loc(lane)))
            lane_of[target] = lane.get("name") or ""

    for ident, el in nodes.items():
        local = etree.QName(el).localname
        if local not in HUMAN_TASK_TAGS:
            continue
        if ident not in lane_of and not el.get(f"{{{CAMUNDA_NS}}}candidateGroups"):
            problems.append(Problem("the task is in no lane, so nobody could do it", **_loc(el)))
        props = _properties_of(el)
        form = props.get("sop.form")
        if form:
            try:
                load_form(forms_dir, form)
            except FormError as exc:
                problems.append(Problem(f"sop.form: {exc}", **_loc(el)))
        due = el.get(CAMUNDA_DUE_DATE)
        if due is not None and not props.get("sop.duration") and not _is_duration(due):
            problems.append(Problem(
                f"camunda:dueDate '{due}' is not a duration alur can use; give an ISO 8601 duration like P3D "
                "(working time from when the step becomes ready), or set sop.duration", **_loc(el)))
        duration = props.get("sop.duration")
        if duration:
            try:
                isodate.parse_duration(duration)
            except (isodate.ISO8601Error, ValueError):
                problems.append(Problem(f"sop.duration '{duration}' is not an ISO 8601 duration like P3D or PT120M", **_loc(el)))
        step = props.get("sop.step")
        if step and not step.strip().isdigit():
            problems.append(Problem(f"sop.step '{step}' is not a whole number", **_loc(el)))
        assignee = props.get("sop.assignee")
        if assignee and not assignee.replace("_", "a").isalnum():
            problems.append(Problem(f"sop.assignee '{assignee}' is not a variable name", **_loc(el)))

    for gw in process.iter(f"{{{BPMN_NS}}}exclusiveGateway", f"{{{BPMN_NS}}}inclusiveGateway"):
        outgoing = [f for f in process.iter(f"{{{BPMN_NS}}}sequenceFlow") if f.get("sourceRef") == gw.get("id")]
        if len(outgoing) > 1:
            default = gw.get("default")
            for f in outgoing:
                has_cond = f.find(f"{{{BPMN_NS}}}conditionExpression") is not None
                if not has_cond and f.get("id") != default:
                    problems.append(Problem("a flow leaving a decision needs a condition or must be the gateway's default", **_loc(f)))
    return problems


def _spiff_problem(exc: Exception) -> Problem:
    if isinstance(exc, ValidationException):
        element = f"{exc.tag} '{exc.id}'" if getattr(exc, "id", "") else (exc.tag or None)
        line = exc.line_number if isinstance(exc.line_number, int) else None
        return Problem(str(exc.args[0] if exc.args else exc), element=element or None, line=line)
    return Problem(str(exc))


def load_bpmn(data: bytes, *, forms_dir: Path, max_bytes: int, scripts_enabled: bool = False,
              filename: str = "process.bpmn") -> ParsedProcess:
    """Parse, check and compile a BPMN file. Raises :class:`Invalid` listing every problem."""
    root = parse_xml(data, max_bytes)
    problems = check_structure(root, forms_dir, scripts_enabled)
    if problems:
        raise Invalid("Invalid BPMN", problems)
    process = root.find(f"{{{BPMN_NS}}}process")
    prefix = _properties_of(process).get("sop.prefix", "").strip()
    if prefix and not PREFIX_PATTERN.match(prefix):
        raise Invalid("Invalid BPMN", [Problem(
            f"sop.prefix '{prefix[:40]}' must be 1 to 10 letters or digits (e.g. PAE)", **_loc(process))])
    for el in process.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname in HUMAN_TASK_TAGS:
            _accept_camunda_properties(el)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root.getroottree(), filename=filename)
        key = process.get("id")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except (ValidationException, SpiffWorkflowException) as exc:
        raise Invalid("Invalid BPMN", [_spiff_problem(exc)]) from None
    except (KeyError, ValueError, TypeError, AttributeError, etree.LxmlError) as exc:
        raise Invalid("Invalid BPMN", [Problem(f"the diagram could not be compiled: {exc}")]) from None

    tasks: dict[str, TaskMeta] = {}
    elements = {el.get("id"): el for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
    for ts in spec.task_specs.values():
        if not getattr(ts, "manual", False):
            continue
        el = elements.get(ts.bpmn_id)
        props = dict((getattr(ts, "extensions", None) or {}).get("properties", {}) or {})
        roles = [ts.lane] if ts.lane else []
        groups = el.get(f"{{{CAMUNDA_NS}}}candidateGroups") if el is not None else None
        if groups:
            roles = [g.strip() for g in groups.split(",") if g.strip()]
        tasks[ts.bpmn_id] = TaskMeta(
            bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id, lane=ts.lane or (roles[0] if roles else None),
            properties=props, documentation=(ts.documentation or "").strip(), candidate_roles=roles)
    doc_el = process.find(f"{{{BPMN_NS}}}documentation")
    participant = root.find(f".//{{{BPMN_NS}}}participant")
    name = process.get("name") or (participant.get("name") if participant is not None else None) or process.get("id")
    lanes = [l.get("name") for l in process.iter(f"{{{BPMN_NS}}}lane") if l.get("name")]
    return ParsedProcess(
        key=process.get("id"), name=name, documentation=(doc_el.text or "").strip() if doc_el is not None else "",
        content_hash=content_hash(data), xml=data.decode("utf-8", errors="replace"), spec=spec,
        subprocess_specs=subprocess_specs, tasks=tasks, lanes=lanes,
        prefix=prefix.upper() or derive_prefix(name, process.get("id")))
