"""Hardened XML parsing of BPMN/DMN files, the namespaces alur reads, and how to name an element."""
from __future__ import annotations

from lxml import etree

from .errors import Invalid, Problem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
#: alur's own extension elements: a step's form, built in the modeler (``<alur:form>`` holding its
#: JSON Schema, inside the step's ``bpmn:extensionElements``).
ALUR_NS = "urn:alur:bpmn:1.0"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS, "zeebe": ZEEBE_NS,
      "bpmndi": BPMNDI_NS, "alur": ALUR_NS}


def bpmn(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def camunda(attr: str) -> str:
    return f"{{{CAMUNDA_NS}}}{attr}"


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=False, remove_pis=True,
    )


def where(el) -> dict:
    """``element`` and ``line`` of a :class:`Problem` about ``el``."""
    ident = el.get("id") or local(el)
    name = el.get("name")
    label = f"{local(el)} '{ident}'" + (f" ({name})" if name else "")
    return {"element": label, "line": el.sourceline}


def parse_document(data: bytes, max_bytes: int, *, dmn_allowed: bool = False) -> etree._Element:
    """Parse untrusted bytes into an element tree, refusing DTDs, entities and foreign roots.
    The root is bpmn:definitions (or, where ``dmn_allowed``, a DMN definitions)."""
    if len(data) > max_bytes:
        raise Invalid("bpmn.too_large_title", [Problem("bpmn.too_large", n=len(data), max=max_bytes)])
    if not data.strip():
        raise Invalid("bpmn.invalid", [Problem("bpmn.empty")])
    try:
        root = etree.fromstring(data, _hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise Invalid("bpmn.not_xml", [Problem("bpmn.xml_error", line=exc.lineno, detail=str(exc.msg))]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise Invalid("bpmn.invalid", [Problem("bpmn.doctype", line=1)])
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise Invalid("bpmn.invalid", [Problem("bpmn.entity", line=el.sourceline)])
    if root.tag == bpmn("definitions"):
        return root
    if dmn_allowed and etree.QName(root).namespace in DMN_NAMESPACES and local(root) == "definitions":
        return root
    raise Invalid("bpmn.not_bpmn", [Problem("bpmn.bad_root", line=root.sourceline,
                                            root=etree.QName(root).localname, ns=BPMN_NS)])


def parse_xml(data: bytes, max_bytes: int) -> etree._Element:
    """A BPMN file (no DMN)."""
    return parse_document(data, max_bytes)


def is_dmn(root) -> bool:
    return etree.QName(root).namespace in DMN_NAMESPACES
