"""alur's own checks of a (normalized) BPMN document, before SpiffWorkflow compiles it.

Every problem names the element and its line, and says how to fix it: what another engine
would run as Java, JUEL, XPath or arbitrary Python is refused here, clearly, instead of
deploying and breaking at run time.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import isodate
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .bpmn_dialects import CAMUNDA_DUE_DATE, TIMER_TAGS, decision_ref, is_duration
from .bpmn_xml import ALUR_NS, BPMN_NS, CAMUNDA_NS, NS, SPIFF_NS, ZEEBE_NS, bpmn, camunda, local, where
from . import item_lists
from .calendar import duration_problem
from .errors import Problem
from .expressions import UnsafeExpression, check_expression
from .forms import FormError, inline_form, load_form
from .messages import Message
from .safe_scripts import UnsafeScript, check_script

#: Ids SpiffWorkflow uses for its own internal task specs.
RESERVED_IDS = {"Start", "End", "Root"}
#: The process id of a new, still unnamed diagram (the web modeler's starting point): never deployed.
PLACEHOLDER_KEY = "proses_baru"
FLOW_NODE_TAGS = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess", "startEvent",
    "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
#: Steps a person does: userTask, manualTask and a plain task (what a chart's box means).
HUMAN_TASK_TAGS = {"userTask", "manualTask", "task"}
_JUEL = re.compile(r"[$#]\{(.*)\}", re.S)
_DELEGATES = ("class", "delegateExpression", "expression")
_SCRIPT_LANGUAGES = {"", "python", "text/python", "python3", "text/x-python", "spiff"}


def deployable_processes(root) -> list:
    """Executable processes with at least one flow node (a pool drawn as a black box has none)."""
    return [p for p in root.findall(bpmn("process"))
            if p.get("isExecutable", "true") != "false" and _has_flow_nodes(p)]


def _has_flow_nodes(process) -> bool:
    return any(isinstance(el.tag, str) and local(el) in FLOW_NODE_TAGS for el in process)


def check_document(root, forms_dir: Path, compiled: list, decision_known: Callable[[str], bool],
                   process_known: Callable[[str, int | None], bool]) -> list[Problem]:
    """Check a whole file; ``compiled`` are the processes that will be compiled (those deployed
    and the ones they call within the file)."""
    problems: list[Problem] = []
    if not compiled:
        sleeping = [p for p in root.findall(bpmn("process")) if _has_flow_nodes(p)]
        for p in sleeping:
            problems.append(Problem("bpmn.not_executable", **where(p), id=p.get("id")))
        if not sleeping:
            problems.append(Problem("bpmn.no_process", **where(root)))
        return problems
    _check_ids(root, problems)
    for process in compiled:
        if not process.get("id"):
            problems.append(Problem("bpmn.no_process_id", **where(process)))
        elif len(process.get("id")) > 200:
            problems.append(Problem("bpmn.process_id_too_long", **where(process)))
        elif process.get("id") == PLACEHOLDER_KEY:
            problems.append(Problem("bpmn.placeholder_key", **where(process), key=PLACEHOLDER_KEY))
        _check_process(process, forms_dir, decision_known, process_known, problems)
    return problems


def _check_ids(root, problems: list[Problem]) -> None:
    ids: dict[str, Any] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN_NS:
            continue
        ident = el.get("id")
        if ident is None:
            continue
        if ident in ids:
            problems.append(Problem("bpmn.duplicate_id", **where(el), id=ident))
        ids.setdefault(ident, el)
        if ident in RESERVED_IDS:
            problems.append(Problem("bpmn.reserved_id", **where(el), id=ident, other=f"{ident}Event_1"))


def _check_process(process, forms_dir: Path, decision_known, process_known, problems: list[Problem]) -> None:
    nodes = {el.get("id"): el for el in process.iter()
             if isinstance(el.tag, str) and etree.QName(el).namespace == BPMN_NS and local(el) in FLOW_NODE_TAGS}
    for flow in process.iter(bpmn("sequenceFlow")):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref or ref not in nodes:
                problems.append(Problem("bpmn.bad_flow_ref", **where(flow), attr=attr, ref=ref))
        cond = flow.find(bpmn("conditionExpression"))
        if cond is not None and (cond.text or "").strip():
            message = _expression_problem(cond.text, cond.get("language"))
            if message:
                problems.append(Problem(message, **where(flow)))
    for tag in TIMER_TAGS:
        for timer in process.iter(bpmn(tag)):
            message = _timer_problem(tag, timer.text or "")
            if message:
                problems.append(Problem(message, **where(timer.getparent().getparent()
                                                         if timer.getparent() is not None
                                                         and timer.getparent().getparent() is not None else timer)))
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        _check_code(el, problems)
    for el in process.iter(bpmn("businessRuleTask")):
        ref = decision_ref(el)
        if not ref:
            problems.append(Problem("bpmn.no_decision_ref", **where(el)))
        elif not decision_known(ref):
            problems.append(Problem("bpmn.unknown_decision", **where(el), ref=ref))
    for el in process.iter(bpmn("callActivity")):
        target = el.get("calledElement")
        if not target:
            problems.append(Problem("bpmn.no_called_element", **where(el)))
        elif pinned_version(el) == -1:
            problems.append(Problem("bpmn.bad_called_version", **where(el),
                                    version=el.get(camunda("calledElementVersion"))))
        elif not process_known(target, pinned_version(el)):
            version = pinned_version(el)
            problems.append(Problem("bpmn.unknown_called_version", **where(el), name=target, version=version)
                            if version else Problem("bpmn.unknown_called_process", **where(el), name=target))
    _check_lanes(process, nodes, problems)
    for start in process.iter(bpmn("startEvent")):
        for kind in ("errorEventDefinition", "escalationEventDefinition", "compensateEventDefinition"):
            if start.find(bpmn(kind)) is not None:
                problems.append(Problem("bpmn.start_event_kind", **where(start), kind=kind))
    outgoing = {f.get("sourceRef") for f in process.iter(bpmn("sequenceFlow"))}
    for start in process.findall(bpmn("startEvent")):
        if start.get("id") not in outgoing:
            problems.append(Problem("bpmn.start_leads_nowhere", **where(start)))
        for form in start.xpath("./bpmn:extensionElements/spiffworkflow:properties/"
                                "spiffworkflow:property[@name='sop.form']/@value", namespaces=NS):
            try:
                load_form(forms_dir, form)
            except FormError as exc:
                problems.append(Problem("bpmn.sop_form", **where(start), why=exc.msg))
    step_forms = []
    for ident, el in nodes.items():
        if local(el) in HUMAN_TASK_TAGS:
            schema = _check_human_task(el, forms_dir, problems)
            if schema is not None:
                step_forms.append((el, schema))
    if not any(local(el) == "callActivity" for el in nodes.values()):  # a called process may fill it
        _check_list_sources(step_forms, problems)
    for gw in process.iter(bpmn("exclusiveGateway"), bpmn("inclusiveGateway")):
        outgoing = [f for f in gw.getparent() if isinstance(f.tag, str) and local(f) == "sequenceFlow"
                    and f.get("sourceRef") == gw.get("id")]
        if len(outgoing) > 1:
            for f in outgoing:
                if f.find(bpmn("conditionExpression")) is None and f.get("id") != gw.get("default"):
                    problems.append(Problem("bpmn.flow_needs_condition", **where(f)))


def pinned_version(call_activity) -> int | None:
    """The version a call activity pins (Camunda 7: calledElementBinding="version"), -1 if unreadable."""
    if call_activity.get(camunda("calledElementBinding")) != "version":
        return None
    value = (call_activity.get(camunda("calledElementVersion")) or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**9 else -1


def _expression_problem(text: str, language: str | None) -> Message | None:
    source = text.strip()
    lang = (language or "").lower()
    if "xpath" in lang or source.startswith(("/", "bpmn:getDataObject", "getDataObject")):
        return Message("bpmn.xpath_condition", source=source)
    if lang and lang not in _SCRIPT_LANGUAGES and "feel" not in lang:
        return Message("bpmn.condition_language", language=language)
    juel = _JUEL.fullmatch(source)
    if juel:
        inner = juel.group(1).strip()
        return Message("bpmn.juel_condition", source=source, hint=_juel_hint(inner))
    try:
        check_expression(source)
    except UnsafeExpression as exc:
        return Message("bpmn.unsafe_condition", cond=source, why=exc.msg)
    return None


def _juel_hint(inner: str) -> str:
    hint = (inner.replace("&&", " and ").replace("||", " or ").replace("!=", " != ")
            .replace(" eq ", " == ").replace(" ne ", " != ").replace(" gt ", " > ").replace(" lt ", " < ")
            .replace(" ge ", " >= ").replace(" le ", " <= ").replace("true", "True").replace("false", "False"))
    hint = re.sub(r"!(?!=)", "not ", hint)
    return " ".join(hint.split())


def _timer_problem(tag: str, text: str) -> Message | None:
    source = text.strip()
    if not source:
        return Message("bpmn.timer_empty", tag=tag)
    if _JUEL.fullmatch(source):
        return Message("bpmn.timer_juel", source=source)
    try:
        tree = check_expression(source)
    except UnsafeExpression as exc:
        return Message("bpmn.timer_invalid", source=source, why=exc.msg)
    value = tree.body.value if hasattr(tree.body, "value") and tree.body.__class__.__name__ == "Constant" else None
    if isinstance(value, str):
        try:
            if tag == "timeDuration":
                TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value))
            elif tag == "timeDate":
                TimerEventDefinition.parse_time_or_duration(value)
            else:
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception, ValueError, OverflowError
            code = {"timeDuration": "bpmn.timer_not_duration", "timeDate": "bpmn.timer_not_date",
                    "timeCycle": "bpmn.timer_not_cycle"}[tag]
            return Message(code, value=value)
        if tag == "timeDuration" and (why := duration_problem(value)):
            return Message("bpmn.timer_duration", why=why)
    elif value is not None:
        return Message("bpmn.timer_not_text", source=source)
    return None


def _check_code(el, problems: list[Problem]) -> None:
    """Java delegates, external tasks, listeners and scripts: what would run as code."""
    name = local(el)
    ns = etree.QName(el).namespace
    if ns == BPMN_NS:
        for attr in _DELEGATES:
            value = el.get(camunda(attr))
            if value and name in ("serviceTask", "sendTask", "businessRuleTask", "scriptTask", "task"):
                problems.append(Problem("bpmn.java_delegate", **where(el), attr=attr, value=value))
        if el.get(camunda("type")) == "external" or (name == "serviceTask" and el.xpath(
                "./bpmn:extensionElements/zeebe:taskDefinition", namespaces=NS)):
            problems.append(Problem("bpmn.external_worker", **where(el)))
        elif name == "serviceTask" and not any(el.get(camunda(a)) for a in _DELEGATES) and el.xpath(
                "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NS):
            problems.append(Problem("bpmn.service_task", **where(el)))
        if name == "scriptTask":
            _check_script_task(el, problems)
    elif ns == CAMUNDA_NS and name in ("executionListener", "taskListener"):
        owner = el.getparent().getparent()
        if el.get("class") or el.get("delegateExpression") or el.get("expression") \
                or el.find(camunda("script")) is not None:
            problems.append(Problem("bpmn.listener", **where(owner), name=name))
    elif ns == SPIFF_NS and name in ("preScript", "postScript") and (el.text or "").strip():
        owner = el.getparent().getparent()
        _check_script_text(el.text, owner, el.sourceline,
                           "bpmn.unsafe_pre_script" if name == "preScript" else "bpmn.unsafe_post_script", problems)


def _check_script_task(el, problems: list[Problem]) -> None:
    fmt = (el.get("scriptFormat") or "").strip().lower()
    if fmt and fmt not in _SCRIPT_LANGUAGES:
        problems.append(Problem("bpmn.script_language", **where(el), language=el.get("scriptFormat")))
        return
    if el.get(camunda("resource")):
        problems.append(Problem("bpmn.script_resource", **where(el)))
        return
    script = el.find(bpmn("script"))
    if script is None or not (script.text or "").strip():
        return  # nothing to run: it passes straight through
    _check_script_text(script.text, el, script.sourceline, "bpmn.unsafe_script", problems)


def _check_script_text(text: str, owner, first_line: int | None, code: str, problems: list[Problem]) -> None:
    try:
        check_script(text)
    except UnsafeScript as exc:
        offset = _leading_blank_lines(text)
        line = (first_line + offset + exc.line - 1) if first_line and exc.line else (first_line or owner.sourceline)
        found = where(owner)
        found["line"] = line
        problems.append(Problem(code, **found, n=exc.line or 1, why=exc.msg))


def _leading_blank_lines(text: str) -> int:
    count = 0
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            break
        count += 1
    return count


def _check_lanes(process, nodes: dict, problems: list[Problem]) -> None:
    for lane in process.iter(bpmn("lane")):
        if not (lane.get("name") or "").strip():
            problems.append(Problem("bpmn.unnamed_lane", **where(lane)))
        for ref in lane.findall(bpmn("flowNodeRef")):
            target = (ref.text or "").strip()
            if target not in nodes:
                problems.append(Problem("bpmn.bad_lane_ref", **where(lane), ref=target))


def _check_list_sources(step_forms: list, problems: list[Problem]) -> None:
    """A bound list (``x-items-from``) must read a list field some step of the process fills in;
    otherwise it would silently ask nothing."""
    lists = {name for _el, schema in step_forms
             for name in [*item_lists.own_lists(schema), *item_lists.bound_lists(schema)]}
    for el, schema in step_forms:
        for name, source in item_lists.bound_lists(schema).items():
            if source not in lists:
                problems.append(Problem("bpmn.items_from_unknown", **where(el), list=name, source=source))


def _check_human_task(el, forms_dir: Path, problems: list[Problem]) -> dict | None:
    """Check a human task's SOP properties; returns its form's schema where it has a readable one."""
    props = {p.get("name"): p.get("value", "") for p in el.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS) if p.get("name")}
    form = props.get("sop.form")
    schema = None
    if form:
        try:
            schema = load_form(forms_dir, form)
        except FormError as exc:
            problems.append(Problem("bpmn.sop_form", **where(el), why=exc.msg))
    inline = el.find(f"{{{BPMN_NS}}}extensionElements/{{{ALUR_NS}}}form")
    if inline is not None and not form:  # the form built in the modeler (checked in full as the step is read)
        try:
            schema = inline_form(inline.text or "", el.get("id") or "")
        except FormError:
            schema = None
    due = el.get(CAMUNDA_DUE_DATE)
    if due is not None and not props.get("sop.duration") and not is_duration(due):
        problems.append(Problem("bpmn.bad_due_date", **where(el), value=due))
    duration = props.get("sop.duration")
    if duration:
        try:
            isodate.parse_duration(duration)
        except (isodate.ISO8601Error, ValueError, OverflowError, ArithmeticError):
            problems.append(Problem("bpmn.bad_sop_duration", **where(el), value=duration))
        else:
            if why := duration_problem(duration):
                problems.append(Problem("bpmn.sop_duration", **where(el), why=why))
    step = props.get("sop.step")
    if step and not step.strip().isdigit():
        problems.append(Problem("bpmn.bad_sop_step", **where(el), value=step))
    assignee = props.get("sop.assignee")
    if assignee and not assignee.replace("_", "a").isalnum():
        problems.append(Problem("bpmn.bad_sop_assignee", **where(el), value=assignee))
    for attr, value in assignment_attributes(el).items():
        if value and variable_of(value) is None and ("{" in value or value.startswith("=")):
            problems.append(Problem("bpmn.bad_assignment", **where(el), attr=attr, value=value))
    return schema


def assignment_attributes(el) -> dict[str, str]:
    """Who may do a human task, as Camunda 7 and Camunda 8 (Zeebe) write it."""
    found = {}
    for attr in ("candidateGroups", "candidateUsers", "assignee"):
        if el.get(camunda(attr)):
            found[f"camunda:{attr}"] = el.get(camunda(attr)).strip()
    for definition in el.xpath("./bpmn:extensionElements/zeebe:assignmentDefinition", namespaces=NS):
        for attr in ("candidateGroups", "candidateUsers", "assignee"):
            if definition.get(attr):
                found.setdefault(f"zeebe:{attr}", definition.get(attr).strip())
    return found


_VARIABLE = re.compile(r"^(?:\$\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}|=\s*([A-Za-z][A-Za-z0-9_]*))$")


def variable_of(value: str) -> str | None:
    """``${name}`` or ``=name``: the variable that holds the user name(s)."""
    match = _VARIABLE.match(value.strip())
    return (match.group(1) or match.group(2)) if match else None


def split_names(value: str) -> list[str]:
    """``"a, b"`` (Camunda 7) or ``=["a","b"]`` written as a FEEL list literal (Camunda 8)."""
    text = value.strip()
    if text.startswith("=") and "[" in text:
        return [v.strip().strip('"\'') for v in text.strip("=[] ").split(",") if v.strip().strip('"\'')]
    return [v.strip() for v in text.split(",") if v.strip()]
