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
from .bpmn_xml import BPMN_NS, CAMUNDA_NS, NS, SPIFF_NS, ZEEBE_NS, bpmn, camunda, local, where
from .calendar import duration_problem
from .errors import Problem
from .expressions import UnsafeExpression, check_expression
from .forms import FormError, load_form
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
            problems.append(Problem(
                f"the process is marked isExecutable=\"false\": set isExecutable=\"true\" on bpmn:process "
                f"'{p.get('id')}' (Camunda Modeler: tick \"Executable\" in the process's properties)", **where(p)))
        if not sleeping:
            problems.append(Problem("the file holds no process with steps to run: draw a start event, the steps "
                                    "and an end event in a pool", **where(root)))
        return problems
    _check_ids(root, problems)
    for process in compiled:
        if not process.get("id"):
            problems.append(Problem("the process has no id", **where(process)))
        elif len(process.get("id")) > 200:
            problems.append(Problem("the process id is longer than 200 characters", **where(process)))
        elif process.get("id") == PLACEHOLDER_KEY:
            problems.append(Problem(f"'{PLACEHOLDER_KEY}' is the key of a new, unnamed diagram; give the process "
                                    "a key of its own", **where(process)))
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
            problems.append(Problem(f"duplicate id '{ident}'", **where(el)))
        ids.setdefault(ident, el)
        if ident in RESERVED_IDS:
            problems.append(Problem(
                f"the id '{ident}' collides with SpiffWorkflow's internal task names; rename it "
                f"(e.g. '{ident}Event_1')", **where(el)))


def _check_process(process, forms_dir: Path, decision_known, process_known, problems: list[Problem]) -> None:
    nodes = {el.get("id"): el for el in process.iter()
             if isinstance(el.tag, str) and etree.QName(el).namespace == BPMN_NS and local(el) in FLOW_NODE_TAGS}
    for flow in process.iter(bpmn("sequenceFlow")):
        for attr in ("sourceRef", "targetRef"):
            ref = flow.get(attr)
            if not ref or ref not in nodes:
                problems.append(Problem(f"{attr} '{ref}' does not name a flow node of this process", **where(flow)))
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
            problems.append(Problem("the business rule task names no decision table: set camunda:decisionRef "
                                    "(or spiffworkflow:calledDecisionId) to the id of a DMN decision", **where(el)))
        elif not decision_known(ref):
            problems.append(Problem(f"no DMN decision '{ref}': deploy its .dmn file together with this diagram "
                                    "(alur deploy diagram.bpmn table.dmn)", **where(el)))
    for el in process.iter(bpmn("callActivity")):
        target = el.get("calledElement")
        if not target:
            problems.append(Problem("the call activity names no process to call: set calledElement to a "
                                    "process id", **where(el)))
        elif pinned_version(el) == -1:
            problems.append(Problem(f"camunda:calledElementVersion '{el.get(camunda('calledElementVersion'))}' is "
                                    "not a version number", **where(el)))
        elif not process_known(target, pinned_version(el)):
            version = pinned_version(el)
            problems.append(Problem(
                f"no process '{target}'" + (f" version {version}" if version else "")
                + " in this file or deployed on this server: deploy it first, or deploy both files together",
                **where(el)))
    _check_lanes(process, nodes, problems)
    for start in process.iter(bpmn("startEvent")):
        for kind in ("errorEventDefinition", "escalationEventDefinition", "compensateEventDefinition"):
            if start.find(bpmn(kind)) is not None:
                problems.append(Problem(
                    f"a start event with {kind} is not supported (it would start at once, like a plain start): "
                    "catch the error or escalation with a boundary event on the activity instead", **where(start)))
    outgoing = {f.get("sourceRef") for f in process.iter(bpmn("sequenceFlow"))}
    for start in process.findall(bpmn("startEvent")):
        if start.get("id") not in outgoing:
            problems.append(Problem("the start event leads nowhere: draw a flow from it to the first step",
                                    **where(start)))
        for form in start.xpath("./bpmn:extensionElements/spiffworkflow:properties/"
                                "spiffworkflow:property[@name='sop.form']/@value", namespaces=NS):
            try:
                load_form(forms_dir, form)
            except FormError as exc:
                problems.append(Problem(f"sop.form: {exc}", **where(start)))
    for ident, el in nodes.items():
        if local(el) in HUMAN_TASK_TAGS:
            _check_human_task(el, forms_dir, problems)
    for gw in process.iter(bpmn("exclusiveGateway"), bpmn("inclusiveGateway")):
        outgoing = [f for f in gw.getparent() if isinstance(f.tag, str) and local(f) == "sequenceFlow"
                    and f.get("sourceRef") == gw.get("id")]
        if len(outgoing) > 1:
            for f in outgoing:
                if f.find(bpmn("conditionExpression")) is None and f.get("id") != gw.get("default"):
                    problems.append(Problem(
                        "a flow leaving a decision needs a condition or must be the gateway's default "
                        "(only one flow may go without a condition)", **where(f)))


def pinned_version(call_activity) -> int | None:
    """The version a call activity pins (Camunda 7: calledElementBinding="version"), -1 if unreadable."""
    if call_activity.get(camunda("calledElementBinding")) != "version":
        return None
    value = (call_activity.get(camunda("calledElementVersion")) or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**9 else -1


def _expression_problem(text: str, language: str | None) -> str | None:
    source = text.strip()
    lang = (language or "").lower()
    if "xpath" in lang or source.startswith(("/", "bpmn:getDataObject", "getDataObject")):
        return (f"the condition '{source}' is XPath, which alur does not evaluate; write a plain expression "
                "over the case's data, like: approved == True")
    if lang and lang not in _SCRIPT_LANGUAGES and "feel" not in lang:
        return f"conditions in '{language}' are not supported; write a plain expression like: approved == True"
    juel = _JUEL.fullmatch(source)
    if juel:
        inner = juel.group(1).strip()
        return (f"the condition '{source}' is JUEL (Camunda 7); write it without ${{…}} as a plain expression: "
                f"{_juel_hint(inner)}")
    try:
        check_expression(source)
    except UnsafeExpression as exc:
        return f"unsafe or invalid condition '{source}': {exc}"
    return None


def _juel_hint(inner: str) -> str:
    hint = (inner.replace("&&", " and ").replace("||", " or ").replace("!=", " != ")
            .replace(" eq ", " == ").replace(" ne ", " != ").replace(" gt ", " > ").replace(" lt ", " < ")
            .replace(" ge ", " >= ").replace(" le ", " <= ").replace("true", "True").replace("false", "False"))
    hint = re.sub(r"!(?!=)", "not ", hint)
    return " ".join(hint.split())


def _timer_problem(tag: str, text: str) -> str | None:
    source = text.strip()
    if not source:
        return f"the timer has an empty {tag}: give an ISO 8601 value like PT1H, 2025-01-31T09:00 or R3/PT1H"
    if _JUEL.fullmatch(source):
        return f"the timer '{source}' is JUEL; give an ISO 8601 value like PT1H, or a plain expression"
    try:
        tree = check_expression(source)
    except UnsafeExpression as exc:
        return (f"invalid timer '{source}': {exc}; give an ISO 8601 value like PT1H, 2025-01-31T09:00 or R3/PT1H, "
                "or timedelta(hours=1)")
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
            kind = {"timeDuration": "a duration like PT1H or P3D", "timeDate": "a date like 2025-01-31T09:00",
                    "timeCycle": "a cycle like R3/PT1H"}[tag]
            return f"the timer '{value}' is not {kind} (ISO 8601), or is out of range"
        if tag == "timeDuration" and (why := duration_problem(value)):
            return f"timer: {why}"
    elif value is not None:
        return f"the timer '{source}' is not an ISO 8601 text; write it like 'PT1H'"
    return None


def _check_code(el, problems: list[Problem]) -> None:
    """Java delegates, external tasks, listeners and scripts: what would run as code."""
    name = local(el)
    ns = etree.QName(el).namespace
    if ns == BPMN_NS:
        for attr in _DELEGATES:
            value = el.get(camunda(attr))
            if value and name in ("serviceTask", "sendTask", "businessRuleTask", "scriptTask", "task"):
                problems.append(Problem(
                    f"camunda:{attr}=\"{value}\" calls Java code, which alur does not run: model this step as a "
                    "user task (a person does it) or a script task of plain assignments", **where(el)))
        if el.get(camunda("type")) == "external" or (name == "serviceTask" and el.xpath(
                "./bpmn:extensionElements/zeebe:taskDefinition", namespaces=NS)):
            problems.append(Problem("an external-worker service task needs a worker alur does not have: model "
                                    "this step as a user task or a script task of plain assignments", **where(el)))
        elif name == "serviceTask" and not any(el.get(camunda(a)) for a in _DELEGATES) and el.xpath(
                "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NS):
            problems.append(Problem("service tasks call outside systems, which alur does not do: model this step "
                                    "as a user task (a person does it) or a script task of plain assignments",
                                    **where(el)))
        if name == "scriptTask":
            _check_script_task(el, problems)
    elif ns == CAMUNDA_NS and name in ("executionListener", "taskListener"):
        owner = el.getparent().getparent()
        if el.get("class") or el.get("delegateExpression") or el.get("expression") \
                or el.find(camunda("script")) is not None:
            problems.append(Problem(f"a camunda:{name} runs Java or script code, which alur does not run: "
                                    "remove the listener", **where(owner)))
    elif ns == SPIFF_NS and name in ("preScript", "postScript") and (el.text or "").strip():
        owner = el.getparent().getparent()
        _check_script_text(el.text, owner, el.sourceline, f"the {name}", problems)


def _check_script_task(el, problems: list[Problem]) -> None:
    fmt = (el.get("scriptFormat") or "").strip().lower()
    if fmt and fmt not in _SCRIPT_LANGUAGES:
        problems.append(Problem(f"scripts in '{el.get('scriptFormat')}' do not run in alur; write plain "
                                "assignments like: total = jumlah * harga", **where(el)))
        return
    if el.get(camunda("resource")):
        problems.append(Problem("an external script resource does not run in alur; write the script inside the "
                                "task as plain assignments", **where(el)))
        return
    script = el.find(bpmn("script"))
    if script is None or not (script.text or "").strip():
        return  # nothing to run: it passes straight through
    _check_script_text(script.text, el, script.sourceline, "the script", problems)


def _check_script_text(text: str, owner, first_line: int | None, what: str, problems: list[Problem]) -> None:
    try:
        check_script(text)
    except UnsafeScript as exc:
        offset = _leading_blank_lines(text)
        line = (first_line + offset + exc.line - 1) if first_line and exc.line else (first_line or owner.sourceline)
        found = where(owner)
        found["line"] = line
        problems.append(Problem(f"{what} may hold only assignments over plain expressions "
                                f"(total = jumlah * harga), line {exc.line or 1} of the script: {exc}", **found))


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
            problems.append(Problem("the lane has no name (its name is the role that does its tasks): name it "
                                    "after the role, e.g. 'Kepala Bidang'", **where(lane)))
        for ref in lane.findall(bpmn("flowNodeRef")):
            target = (ref.text or "").strip()
            if target not in nodes:
                problems.append(Problem(f"flowNodeRef '{target}' does not name a flow node", **where(lane)))


def _check_human_task(el, forms_dir: Path, problems: list[Problem]) -> None:
    props = {p.get("name"): p.get("value", "") for p in el.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NS) if p.get("name")}
    form = props.get("sop.form")
    if form:
        try:
            load_form(forms_dir, form)
        except FormError as exc:
            problems.append(Problem(f"sop.form: {exc}", **where(el)))
    due = el.get(CAMUNDA_DUE_DATE)
    if due is not None and not props.get("sop.duration") and not is_duration(due):
        problems.append(Problem(
            f"camunda:dueDate '{due}' is not a duration alur can use; give an ISO 8601 duration like P3D "
            "(working time from when the step becomes ready), or set sop.duration", **where(el)))
    duration = props.get("sop.duration")
    if duration:
        try:
            isodate.parse_duration(duration)
        except (isodate.ISO8601Error, ValueError, OverflowError, ArithmeticError):
            problems.append(Problem(f"sop.duration '{duration}' is not an ISO 8601 duration like P3D or PT120M", **where(el)))
        else:
            if why := duration_problem(duration):
                problems.append(Problem(f"sop.duration: {why}", **where(el)))
    step = props.get("sop.step")
    if step and not step.strip().isdigit():
        problems.append(Problem(f"sop.step '{step}' is not a whole number", **where(el)))
    assignee = props.get("sop.assignee")
    if assignee and not assignee.replace("_", "a").isalnum():
        problems.append(Problem(f"sop.assignee '{assignee}' is not a variable name", **where(el)))
    for attr, value in assignment_attributes(el).items():
        if value and variable_of(value) is None and ("{" in value or value.startswith("=")):
            problems.append(Problem(
                f"{attr} '{value}' is an expression alur cannot read; give role or user names, or one variable "
                "as ${name} (Camunda 7) or =name (Camunda 8)", **where(el)))


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
