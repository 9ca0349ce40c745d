"""Loading BPMN (and DMN) files into deployable processes.

A deployment is one or more files: BPMN files, each with one or several processes (a
collaboration's pools; black-box pools are ignored), and DMN decision tables for business
rule tasks. Each file is parsed with a hardened lxml parser, rewritten from its modeler's
dialect (:mod:`engine.bpmn_dialects`), checked (:mod:`engine.bpmn_checks`) and only then
compiled by SpiffWorkflow's spiff parser. Call activities resolve within the deployment, then
against what is already deployed. Every problem names the element and the line it is on,
SpiffWorkflow's own messages included.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import ServiceTaskParser, SpiffTaskParser
from SpiffWorkflow.spiff.specs.defaults import ManualTask, ScriptTask, ServiceTask

from . import qualifications
from .case_numbers import PREFIX_PATTERN, derive_prefix
from .bpmn_checks import (
    PLACEHOLDER_KEY, assignment_attributes, check_document, deployable_processes, pinned_version, split_names,
    variable_of,
)
from .bpmn_dialects import normalize
from .bpmn_xml import ALUR_NS, BPMN_NS, NS, bpmn, is_dmn, local, parse_document, parse_xml, where
from .errors import Invalid, Problem
from .forms import FormError, inline_form
from .expressions import UnsafeExpression, check_expression
from .messages import Message

__all__ = ["TaskMeta", "ParsedProcess", "load_bpmn", "load_bundle", "parse_xml", "PLACEHOLDER_KEY",
           "DEFAULT_ROLE"]

#: Who does a human task the diagram gives to nobody (no lane, no candidates), unless the
#: deployment names another role.
DEFAULT_ROLE = "Process Owner"
MAX_FILES = 20


class _PlaceholderServiceTaskParser(ServiceTaskParser):
    """A service task with no implementation at all (bpmn.io's bare shape) passes straight
    through, as it does in SpiffWorkflow's plain BPMN parser; one that names an implementation
    is refused before parsing (engine/bpmn_checks.py)."""

    def create_task(self):
        if self.parse_extensions().get("serviceTaskOperator") is None:
            return ScriptTask(self.spec, self.bpmn_id, "", **self.bpmn_attributes)  # an empty script: no-op
        return super().create_task()


class AlurBpmnParser(SpiffBpmnParser):
    """The spiff parser, with a plain ``bpmn:task`` read as a step a person does (a box on an
    SOP chart is somebody's work, not something the engine skips)."""

    OVERRIDE_PARSER_CLASSES = {**SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
                               full_tag("task"): (SpiffTaskParser, ManualTask),
                               full_tag("serviceTask"): (_PlaceholderServiceTaskParser, ServiceTask)}


@dataclass
class TaskMeta:
    """What alur needs to know about one human task, read from the diagram once at deploy."""

    bpmn_id: str
    name: str
    lane: str | None
    properties: dict[str, str]
    documentation: str
    candidate_roles: list[str]
    #: user names the diagram names (camunda:candidateUsers / assignee, Zeebe's)
    candidate_users: list[str] = field(default_factory=list)
    #: a variable holding the user name(s) (``${x}`` / ``=x`` in an assignee, or sop.assignee)
    assignee_expression: str | None = None
    #: the step's form carried in the diagram (``<alur:form>``, built in the modeler), or None
    form_schema: dict[str, Any] | None = None

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
        return self.properties.get("sop.assignee") or self.assignee_expression or None

    @property
    def escalate_to(self) -> str | None:
        """A supervising lane/role told when the step is overdue (``sop.escalate_to``)."""
        return (self.properties.get("sop.escalate_to") or "").strip() or None

    @property
    def form(self) -> str | None:
        return self.properties.get("sop.form") or None

    def as_dict(self) -> dict[str, Any]:
        return {"bpmn_id": self.bpmn_id, "name": self.name, "lane": self.lane,
                "properties": self.properties, "documentation": self.documentation,
                "candidate_roles": self.candidate_roles, "candidate_users": self.candidate_users,
                "assignee_expression": self.assignee_expression, "form_schema": self.form_schema}

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
    default_role: str = DEFAULT_ROLE
    #: names of the messages that start a case of this process
    start_messages: list[str] = field(default_factory=list)
    #: DMN files the process uses (name → XML), kept so a later version finds them again
    decisions: dict[str, str] = field(default_factory=dict)
    filename: str = "process.bpmn"
    #: The registration numbers' prefix (``sop.prefix`` on the process), derived from the name if unset.
    prefix: str = ""
    #: The start event's ``sop.form``: the form that start data must pass, like any step's.
    start_form: str | None = None
    #: The start event's form carried in the diagram (``<alur:form>``), or None.
    start_form_schema: dict[str, Any] | None = None
    #: Kualifikasi Pelaksana as the appointment picker checks it (:mod:`engine.qualifications`).
    qualification: dict[str, Any] = field(default_factory=dict)


class Deployed(Protocol):
    """What is already deployed, for call activities and decision tables named but not bundled."""

    def process(self, key: str, version: int | None = None) -> tuple[Any, dict, dict[str, TaskMeta]] | None: ...

    def decision(self, decision_id: str) -> str | None: ...


class NothingDeployed:
    def process(self, key, version=None):
        return None

    def decision(self, decision_id):
        return None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_bpmn(data: bytes, *, forms_dir: Path, max_bytes: int, filename: str = "process.bpmn",
              deployed: Deployed | None = None, default_role: str | None = None) -> ParsedProcess:
    """One BPMN file with one process to deploy (the first, where a file holds several)."""
    return load_bundle([(filename, data)], forms_dir=forms_dir, max_bytes=max_bytes, deployed=deployed,
                       default_role=default_role)[0]


def load_bundle(files: list[tuple[str, bytes]], *, forms_dir: Path, max_bytes: int,
                deployed: Deployed | None = None, default_role: str | None = None) -> list[ParsedProcess]:
    """Parse, check and compile a deployment. Returns its processes, the first file's first
    (participant order) first. Raises :class:`Invalid` listing every problem."""
    deployed = deployed or NothingDeployed()
    if not files:
        raise Invalid("bpmn.invalid", [Problem("bpmn.no_file")])
    if len(files) > MAX_FILES:
        raise Invalid("bpmn.invalid", [Problem("bpmn.too_many_files", n=MAX_FILES)])
    several = len(files) > 1
    bpmn_roots: list[tuple[str, bytes, Any]] = []
    dmn_roots: list[tuple[str, bytes, Any]] = []
    for filename, data in files:
        root = _parse_one(filename, data, max_bytes, several)
        (dmn_roots if is_dmn(root) else bpmn_roots).append((filename, data, root))
    if not bpmn_roots:
        raise Invalid("bpmn.invalid", [Problem("bpmn.only_dmn")])

    # No XSD validation: alur's checks and SpiffWorkflow's parser say what matters, and files from
    # other modelers (Signavio writes <outgoing> before <incoming>) run although the schema frowns.
    parser = AlurBpmnParser()
    decisions: dict[str, str] = {}
    problems: list[Problem] = []
    for filename, data, root in dmn_roots:
        problems += _add_dmn(parser, root, filename, data.decode("utf-8", "replace"), decisions)

    executable: dict[str, Any] = {}
    for filename, _data, root in bpmn_roots:
        try:
            normalize(root)
        except Exception as exc:  # noqa: BLE001 - a file nobody foresaw is refused, never a 500
            raise Invalid("bpmn.invalid", [Problem("bpmn.unreadable", **where(root), type=type(exc).__name__,
                                                   detail=str(exc))]) from None
        for process in deployable_processes(root):
            executable.setdefault(process.get("id"), process)

    def decision_known(ref: str) -> bool:
        if ref in parser.dmn_parsers:
            return True
        xml = deployed.decision(ref)
        if xml is None:
            return False
        try:
            dmn_root = parse_document(xml.encode("utf-8"), max_bytes, dmn_allowed=True)
        except Invalid:
            return False
        return not _add_dmn(parser, dmn_root, f"{ref}.dmn", xml, decisions)

    def process_known(key: str, version: int | None = None) -> bool:
        if version is None and key in executable:
            return True
        return deployed.process(key, version) is not None

    for filename, _data, root in bpmn_roots:
        try:
            found = check_document(root, forms_dir, deployable_processes(root), decision_known, process_known)
        except Exception as exc:  # noqa: BLE001 - a file nobody foresaw is refused, never a 500
            found = [Problem("bpmn.unreadable", **where(root), type=type(exc).__name__, detail=str(exc))]
        problems += [_in_file(p, filename) for p in found] if several else found
    if problems:
        raise Invalid("bpmn.invalid", problems)

    parsed: list[ParsedProcess] = []
    for filename, data, root in bpmn_roots:
        try:
            parser.add_bpmn_xml(root.getroottree(), filename=filename)
        except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises anything; each becomes a problem
            raise Invalid("bpmn.invalid", [_spiff_problem(exc, root, filename if several else None)]) from None
    for filename, data, root in bpmn_roots:
        for process in _in_participant_order(root):
            parsed.append(_compile(parser, process, root, filename, data, deployed, default_role, decisions,
                                   several))
    return parsed


def _parse_one(filename: str, data: bytes, max_bytes: int, several: bool):
    try:
        return parse_document(data, max_bytes, dmn_allowed=True)
    except Invalid as exc:
        # A file that is not BPMN at all: the problem is about the file, from its first line on.
        exc.problems = [_in_file(p, filename) if several or not p.element else p for p in exc.problems]
        for problem in exc.problems:
            problem.line = problem.line or 1
        raise


def _in_file(problem: Problem, filename: str) -> Problem:
    element = f"{filename}: {problem.element}" if problem.element else filename
    return problem.at(element=element)


def _add_dmn(parser, root, filename: str, xml: str, decisions: dict[str, str]) -> list[Problem]:
    """Add a DMN file and check every cell against the safe expression language."""
    try:
        parser.add_dmn_xml(root, filename=filename)
        dmn = next(p for p in parser.dmn_parsers.values() if p.node is root)
        dmn.parse()
    except Exception as exc:  # noqa: BLE001
        return [_spiff_problem(exc, root, filename)]
    decisions[f"{dmn.bpmn_id}.dmn"] = xml
    problems: list[Problem] = []
    elements = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for table in dmn.decision.decisionTables:
        for inp in table.inputs:
            if inp.expression:
                _dmn_cell(inp.expression, elements.get(inp.id, root), filename, problems, operand=False)
        for rule in table.rules:
            for entry in rule.inputEntries:
                for text in entry.lhs:
                    if text is not None and text.strip() not in ("", "-"):
                        _dmn_cell(text, elements.get(entry.id, elements.get(rule.id, root)), filename, problems,
                                  operand=True)
            for entry in rule.outputEntries:
                if (entry.text or "").strip():
                    _dmn_cell(entry.text, elements.get(entry.id, elements.get(rule.id, root)), filename, problems,
                              operand=False)
    return problems


def _dmn_cell(text: str, el, filename: str, problems: list[Problem], *, operand: bool) -> None:
    """A DMN cell is a plain expression, or (an input entry) an operator and operand (``> 5``)."""
    source = text.strip().replace("?", "dmninputexpr")
    candidates = [source] + ([f"v {source}", f"v == {source}"] if operand else [])
    for candidate in candidates:
        try:
            check_expression(candidate)
            return
        except UnsafeExpression:
            continue
    try:
        check_expression(source)
    except UnsafeExpression as exc:
        found = where(el)
        problems.append(Problem("bpmn.dmn_cell", element=f"{filename}: {found['element']}", line=found["line"],
                                cell=text.strip(), why=exc.msg))


def _in_participant_order(root) -> list:
    processes = {p.get("id"): p for p in deployable_processes(root)}
    ordered = []
    for participant in root.iter(bpmn("participant")):
        process = processes.pop(participant.get("processRef"), None)
        if process is not None:
            ordered.append(process)
    return ordered + list(processes.values())


def _participant_name(root, key: str) -> str | None:
    for participant in root.iter(bpmn("participant")):
        if participant.get("processRef") == key and participant.get("name"):
            return participant.get("name")
    return None


def _compile(parser, process, root, filename: str, data: bytes, deployed: Deployed, default_role: str | None,
             decisions: dict[str, str], several: bool) -> ParsedProcess:
    key = process.get("id")
    try:
        spec = parser.get_spec(key)
        subs = parser.get_subprocess_specs(key, require_call_activity_specs=False)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow raises anything; each becomes a problem
        raise Invalid("bpmn.invalid", [_spiff_problem(exc, root, filename if several else None, process)]) from None
    tasks: dict[str, TaskMeta] = {}
    role = (default_role or "").strip() or DEFAULT_ROLE
    _collect_tasks(spec, root, role, tasks)
    pins = {el.get("calledElement"): pinned_version(el) for el in root.iter(bpmn("callActivity"))
            if pinned_version(el)}
    for name in list(subs):
        if name in pins:
            subs[name] = None  # a pinned version comes from what is deployed, even if the file has the process
    for name in list(subs):
        if subs[name] is None:
            found = deployed.process(name, pins.get(name))
            if found is None:
                raise Invalid("bpmn.invalid", [Problem("bpmn.no_called_process", **where(process), name=name)])
            called_spec, called_subs, called_tasks = found
            subs[name] = called_spec
            for sub_name, sub_spec in called_subs.items():
                subs.setdefault(sub_name, sub_spec)
            for bpmn_id, meta in called_tasks.items():
                tasks.setdefault(bpmn_id, meta)
        else:
            _collect_tasks(subs[name], root, role, tasks)
    doc_el = process.find(bpmn("documentation"))
    name = (process.get("name") or _participant_name(root, key) or key)[:300]
    prefix = _process_property(process, "sop.prefix")
    if prefix and not PREFIX_PATTERN.match(prefix):
        raise Invalid("bpmn.invalid", [Problem("bpmn.bad_prefix", **where(process), prefix=prefix[:40])])
    qualification_properties = {n: _process_property(process, n) for n in (qualifications.TEXT, *qualifications.PROPERTIES)}
    qualification_problems = qualifications.problems(qualification_properties)
    if qualification_problems:
        raise Invalid("bpmn.invalid", [p.at(**where(process)) for p in qualification_problems])
    lanes = list(dict.fromkeys(l.get("name") for l in process.iter(bpmn("lane")) if l.get("name")))
    for meta in tasks.values():
        for r in meta.candidate_roles:
            if r not in lanes:
                lanes.append(r)
    start_messages = []
    for definition in process.xpath("./bpmn:startEvent/bpmn:messageEventDefinition", namespaces=NS):
        message = _message_name(root, definition.get("messageRef"))
        if message:
            start_messages.append(message)
    start_forms = process.xpath("./bpmn:startEvent/bpmn:extensionElements/spiffworkflow:properties/"
                                "spiffworkflow:property[@name='sop.form']/@value", namespaces=NS)
    start_schemas = [_form_in_diagram(el, el.get("id") or "startEvent", {"sop.form": (start_forms[0] if start_forms else "")})
                     for el in process.xpath("./bpmn:startEvent", namespaces=NS)]
    start_schema = next((s for s in start_schemas if s is not None), None)
    # One process alone in its file, as always: the file's hash. Otherwise what else makes it this version.
    alone = len(deployable_processes(root)) == 1 and not decisions and role == DEFAULT_ROLE
    digest = content_hash(data) if alone else content_hash(b"\0".join(
        [data, key.encode(), role.encode()] + [x.encode() for _n, x in sorted(decisions.items())]))
    return ParsedProcess(
        key=key, name=name, documentation=(doc_el.text or "").strip() if doc_el is not None else "",
        content_hash=digest, xml=data.decode("utf-8", errors="replace"), spec=spec,
        subprocess_specs=subs, tasks=tasks, lanes=lanes, default_role=role, start_messages=start_messages,
        decisions=dict(decisions), filename=filename, prefix=prefix.upper() or derive_prefix(name, key),
        start_form=(start_forms[0] or None) if start_forms else None, start_form_schema=start_schema,
        qualification=qualifications.Qualification.from_properties(qualification_properties).as_dict())


def _process_property(process, name: str) -> str:
    """A process-level SOP property (``spiffworkflow:property`` or ``camunda:property``)."""
    for path in ("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                 "./bpmn:extensionElements/camunda:properties/camunda:property"):
        for prop in process.xpath(path, namespaces=NS):
            if prop.get("name") == name:
                return (prop.get("value") or "").strip()
    return ""


def _message_name(root, ref: str | None) -> str | None:
    if not ref:
        return None
    for message in root.iter(bpmn("message")):
        if message.get("id") == ref:
            return message.get("name") or ref
    return ref


def _collect_tasks(spec, root, default_role: str, tasks: dict[str, TaskMeta]) -> None:
    elements = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for ts in spec.task_specs.values():
        if not getattr(ts, "manual", False) or ts.bpmn_id in tasks:
            continue
        el = elements.get(ts.bpmn_id)
        props = dict((getattr(ts, "extensions", None) or {}).get("properties", {}) or {})
        assigned = assignment_attributes(el) if el is not None else {}
        groups = assigned.get("camunda:candidateGroups") or assigned.get("zeebe:candidateGroups") or ""
        users_text = assigned.get("camunda:candidateUsers") or assigned.get("zeebe:candidateUsers") or ""
        assignee = assigned.get("camunda:assignee") or assigned.get("zeebe:assignee") or ""
        roles = [] if variable_of(groups) else split_names(groups)
        users = [] if variable_of(users_text) else split_names(users_text)
        expression = variable_of(assignee) or variable_of(users_text)
        if assignee and not variable_of(assignee):
            users = [assignee] + [u for u in users if u != assignee]
        lane = ts.lane or (roles[0] if roles else None)
        if ts.lane:
            roles = [ts.lane] + [r for r in roles if r != ts.lane]
        if lane is None:
            # Nobody named (or only people, who may be gone): the process's default role.
            lane = default_role
            if not users and not expression:
                roles = [default_role]
        tasks[ts.bpmn_id] = TaskMeta(
            bpmn_id=ts.bpmn_id, name=ts.bpmn_name or ts.bpmn_id, lane=lane, properties=props,
            documentation=(ts.documentation or "").strip(), candidate_roles=roles, candidate_users=users,
            assignee_expression=expression, form_schema=_form_in_diagram(el, ts.bpmn_id, props))


def _form_in_diagram(el, bpmn_id: str, props: dict[str, str]) -> dict[str, Any] | None:
    """The step's form the diagram carries (``<alur:form>`` in its extensionElements), checked."""
    found = el.find(f"{{{BPMN_NS}}}extensionElements/{{{ALUR_NS}}}form") if el is not None else None
    if found is None:
        return None
    if props.get("sop.form"):
        raise Invalid("bpmn.invalid", [Problem("bpmn.form_both", **where(el), form=props["sop.form"])])
    try:
        return inline_form(found.text or "", bpmn_id)
    except FormError as exc:
        raise Invalid("bpmn.invalid", [Problem(exc.msg, **where(found))]) from None


#: What to do about SpiffWorkflow's own refusals (its words, then alur's hint's code).
SPIFF_HINTS = {
    "There is no support implemented for this task type": "bpmn.hint_task_type",
    "No start event found": "bpmn.hint_no_start",
    "Duplicate process ID": "bpmn.hint_duplicate_process",
    "Multiple decision tables are not current supported": "bpmn.hint_dmn_tables",
    "No decisions found": "bpmn.hint_no_decisions",
    "Could not find messageRef": "bpmn.hint_message_ref",
}


def _spiff_problem(exc: Exception, root, filename: str | None = None, process=None) -> Problem:
    """SpiffWorkflow's message, with the element and line it is about found in our tree, and a
    hint where alur knows one."""
    words = str(exc.args[0]) if exc.args else str(exc) or type(exc).__name__
    hint = next((h for found, h in SPIFF_HINTS.items() if found in words), None)
    message = Message("bpmn.spiff_hint", detail=words.rstrip("."), hint=Message(hint)) if hint \
        else Message("bpmn.spiff", detail=words)
    if not isinstance(exc, (ValidationException, SpiffWorkflowException)):
        message = Message("bpmn.not_compiled", type=type(exc).__name__, detail=message)
    el = None
    ident = getattr(exc, "id", "") or ""
    if ident:
        el = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == ident), None)
    line = getattr(exc, "line_number", None)
    if el is None and isinstance(line, int):
        el = next((e for e in root.iter() if isinstance(e.tag, str) and e.sourceline == line
                   and etree.QName(e).namespace == BPMN_NS), None)
    if el is None:
        el = process if process is not None else next(
            (e for e in root if isinstance(e.tag, str) and local(e) == "process"), root)
    found = where(el)
    if isinstance(line, int) and line > 0:
        found["line"] = line
    if filename:
        found["element"] = f"{filename}: {found['element']}"
    return Problem(message, **found)
