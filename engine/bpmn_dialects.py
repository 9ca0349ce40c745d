"""What each modeler writes, rewritten into what SpiffWorkflow's spiff parser reads.

Camunda Modeler (7 and 8/Zeebe), bpmn.io and SpiffArena say the same things differently:
``camunda:properties`` / ``zeebe:properties`` for step metadata, ``camunda:decisionRef`` /
``zeebe:calledDecision`` for a decision table, ``zeebe:calledElement`` for a call activity,
an event subprocess's ``triggeredByEvent`` (SpiffWorkflow reads it only namespaced),
timers written bare (``PT1H``) or as ``timedelta(seconds=30)``, a decision's one unconditioned
flow meaning "otherwise". :func:`normalize` rewrites the tree in place before it is checked and
compiled; anything it cannot read safely is left for :mod:`engine.bpmn_checks` to refuse.
"""
from __future__ import annotations

import ast
import re
from datetime import timedelta

import isodate
from lxml import etree

from .bpmn_xml import BPMN_NS, CAMUNDA_NS, NS, SPIFF_NS, ZEEBE_NS, bpmn, camunda, local

CAMUNDA_DUE_DATE = camunda("dueDate")
TIMER_TAGS = ("timeDuration", "timeDate", "timeCycle")
_ISO_LIKE = re.compile(r"^(R\d*/.*|P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$", re.I)
_TIMEDELTA_UNITS = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")


def is_duration(value: str) -> bool:
    value = value.strip()
    if not value.startswith("P"):
        return False
    try:
        isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError, OverflowError):
        return False
    return True


def timer_literal(text: str) -> str | None:
    """``text`` of a timer as a quoted ISO 8601 literal, when it is one written bare, or a
    ``timedelta(...)`` of plain numbers; None when it is something else (an expression)."""
    value = text.strip()
    if _ISO_LIKE.match(value):
        return repr(value)
    if value.startswith("timedelta(") and value.endswith(")"):
        try:
            call = ast.parse(value, mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(call, ast.Call) or len(call.args) > 3:
            return None
        kwargs = {}
        for pos, arg in zip(("days", "seconds", "microseconds"), call.args):
            if not isinstance(arg, ast.Constant) or not isinstance(arg.value, (int, float)):
                return None
            kwargs[pos] = arg.value
        for kw in call.keywords:
            if kw.arg not in _TIMEDELTA_UNITS or not isinstance(kw.value, ast.Constant) \
                    or not isinstance(kw.value.value, (int, float)) or isinstance(kw.value.value, bool):
                return None
            kwargs[kw.arg] = kw.value.value
        try:
            delta = timedelta(**kwargs)
        except (OverflowError, ValueError, TypeError):
            return None
        if delta.total_seconds() <= 0:
            return repr("PT0S")
        return repr(isodate.duration_isoformat(delta))
    return None


def _extension(el, create: bool = True):
    ext = el.find(bpmn("extensionElements"))
    if ext is None and create:
        ext = etree.Element(bpmn("extensionElements"))
        el.insert(1 if len(el) and local(el[0]) == "documentation" else 0, ext)
    return ext


def _copy_properties(el) -> None:
    """``camunda:properties`` / ``zeebe:properties`` (and a ``camunda:dueDate`` duration as
    ``sop.duration``) into ``spiffworkflow:properties``; an element's own spiff properties win."""
    found = {}
    for prop in el.xpath("./bpmn:extensionElements/camunda:properties/camunda:property"
                         " | ./bpmn:extensionElements/zeebe:properties/zeebe:property", namespaces=NS):
        if prop.get("name"):
            found.setdefault(prop.get("name"), prop.get("value", ""))
    due = el.get(CAMUNDA_DUE_DATE)
    if due is not None and is_duration(due):
        found.setdefault("sop.duration", due.strip())
    if not found:
        return
    ext = _extension(el)
    spiff = ext.find(f"{{{SPIFF_NS}}}properties")
    if spiff is None:
        spiff = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    have = {p.get("name") for p in spiff}
    for name, value in found.items():
        if name not in have:
            etree.SubElement(spiff, f"{{{SPIFF_NS}}}property", name=name, value=value)


def _set_spiff_extension(el, name: str, value: str) -> None:
    ext = _extension(el)
    if ext.find(f"{{{SPIFF_NS}}}{name}") is None:
        child = etree.SubElement(ext, f"{{{SPIFF_NS}}}{name}")
        child.text = value


def decision_ref(el) -> str | None:
    """The decision a business rule task calls, as any modeler writes it."""
    for path in ("./bpmn:extensionElements/spiffworkflow:calledDecisionId/text()",
                 "./@camunda:decisionRef", "./bpmn:extensionElements/zeebe:calledDecision/@decisionId"):
        found = el.xpath(path, namespaces=NS)
        if found and str(found[0]).strip():
            return str(found[0]).strip()
    return None


def called_element(el) -> str | None:
    value = el.get("calledElement") or "".join(
        el.xpath("./bpmn:extensionElements/zeebe:calledElement/@processId", namespaces=NS))
    return value.strip() or None


def _condition_text(flow) -> str | None:
    cond = flow.find(bpmn("conditionExpression"))
    return (cond.text or "").strip() if cond is not None else None


def normalize(root) -> None:
    """Rewrite ``root`` (a bpmn:definitions) in place; see the module docstring."""
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).namespace != BPMN_NS:
            continue
        name = local(el)
        if el.find(bpmn("extensionElements")) is not None or el.get(CAMUNDA_DUE_DATE) is not None:
            _copy_properties(el)
        if name == "businessRuleTask":
            ref = decision_ref(el)
            if ref:
                _set_spiff_extension(el, "calledDecisionId", ref)
        elif name == "subProcess" and el.get("triggeredByEvent") == "true":
            # SpiffWorkflow 3.2 looks for a namespaced bpmn:triggeredByEvent, which no modeler writes:
            # without it an event subprocess would start with the case like a plain subprocess.
            el.set(bpmn("triggeredByEvent"), "true")
        elif name == "callActivity":
            target = called_element(el)
            if target and not el.get("calledElement"):
                el.set("calledElement", target)
        elif name in TIMER_TAGS:
            literal = timer_literal(el.text or "")
            if literal is not None:
                el.text = literal
        elif name == "conditionExpression":
            text = (el.text or "").strip()
            if not text and el.getparent() is not None:
                el.getparent().remove(el)  # bpmn.io leaves an empty one behind: no condition
            elif text.startswith("=") and not text.startswith("=="):
                el.text = text[1:].strip()  # Zeebe writes FEEL as "=expression"
    for process in root.iter(bpmn("process"), bpmn("subProcess"), bpmn("transaction")):
        flows = [f for f in process if isinstance(f.tag, str) and local(f) == "sequenceFlow"]
        for gw in process:
            if not isinstance(gw.tag, str) or local(gw) not in ("exclusiveGateway", "inclusiveGateway"):
                continue
            outgoing = [f for f in flows if f.get("sourceRef") == gw.get("id")]
            bare = [f for f in outgoing if _condition_text(f) is None and f.get("id") != gw.get("default")]
            if len(outgoing) > 1 and len(bare) == 1 and not gw.get("default"):
                gw.set("default", bare[0].get("id"))  # the one flow without a condition: "otherwise"
