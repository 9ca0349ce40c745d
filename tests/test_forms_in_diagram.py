"""A step's form carried in the diagram (``<alur:form>``, built in the modeler): checked at deploy
like a form file, used by the step like one, stored with the version and downloaded with it."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from engine.errors import Invalid
from sop_walk import SOP_KEY
from test_pages_inbox import advance

SEED = Path(__file__).resolve().parents[1] / "processes" / "pengembangan_aplikasi_egov.bpmn"
FORM = {"type": "object", "properties": {
    "ringkasan": {"type": "string", "title": "Ringkasan kebutuhan", "maxLength": 500},
    "jumlah_modul": {"type": "integer", "title": "Jumlah modul", "minimum": 1},
    "perlu_integrasi": {"type": "boolean", "title": "Perlu integrasi"},
    "sistem_terkait": {"type": "string", "title": "Sistem terkait"}},
    "required": ["ringkasan", "jumlah_modul"],
    "allOf": [{"if": {"properties": {"perlu_integrasi": {"const": True}}, "required": ["perlu_integrasi"]},
               "then": {"required": ["sistem_terkait"]}}]}


def with_form(form_text: str, *, keep_file: bool = False, step: str = "Step02") -> bytes:
    """The seed SOP with ``step``'s form carried in the diagram instead of its form file."""
    xml = SEED.read_text(encoding="utf-8")
    xml = xml.replace("<bpmn:definitions ", '<bpmn:definitions xmlns:alur="urn:alur:bpmn:1.0" ', 1)
    task = re.search(rf'<bpmn:userTask id="{step}"[\s\S]*?</bpmn:userTask>', xml).group(0)
    changed = task if keep_file else re.sub(r'\s*<spiffworkflow:property name="sop.form" value="[^"]*"/>', "", task)
    changed = changed.replace("</bpmn:extensionElements>",
                              f"  <alur:form><![CDATA[{form_text}]]></alur:form>\n      </bpmn:extensionElements>", 1)
    return xml.replace(task, changed).encode("utf-8")


def test_a_step_uses_the_form_its_diagram_carries(svc, any_db):
    admin = svc.users.get("admin")
    definition, created = svc.deploy(with_form(json.dumps(FORM)), "v2.bpmn", admin, expected_key=SOP_KEY)
    assert created and definition.version == 2
    assert "<alur:form>" in definition.bpmn_xml, "the form is stored (and downloaded) with the version"
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Formulir di diagram")
    row = advance(svc, case, 2)
    assert svc.task_form(row) == FORM
    analis = svc.users.get("analis")
    svc.attach(row.id, analis, "spesifikasi.pdf", io.BytesIO(b"%PDF-1.4"))
    with pytest.raises(Invalid) as refused:
        svc.complete(row.id, analis, {"ringkasan": "Antrean", "jumlah_modul": 3, "perlu_integrasi": True})
    assert [p.field for p in refused.value.problems] == ["sistem_terkait"], "required when integration is needed"
    with pytest.raises(Invalid) as refused:
        svc.complete(row.id, analis, {"ringkasan": "Antrean", "jumlah_modul": 0})
    assert [p.field for p in refused.value.problems] == ["jumlah_modul"]
    done = svc.complete(row.id, analis, {"ringkasan": "Antrean", "jumlah_modul": 3, "perlu_integrasi": False})
    assert done.state == "completed" and done.data["jumlah_modul"] == 3


@pytest.mark.parametrize("text, words", [
    ("{not json", "is not JSON"),
    (json.dumps({"type": "string"}), "must be a JSON Schema of type object"),
    (json.dumps({"type": "object", "properties": {"x": {"type": "teks"}}}), "is not a valid JSON Schema"),
    (json.dumps({"type": "object", "properties": {"x": {"type": "string", "description": "x" * 70000}}}),
     "larger than 64 KB"),
])
def test_a_broken_form_in_the_diagram_is_refused_with_its_step_and_line(svc, text, words):
    with pytest.raises(Invalid) as refused:
        svc.deploy(with_form(text), "v2.bpmn", svc.users.get("admin"), expected_key=SOP_KEY)
    (problem,) = refused.value.problems
    assert words in problem.message and "Step02" in problem.message and problem.line


def test_a_step_keeps_one_form(svc):
    with pytest.raises(Invalid) as refused:
        svc.deploy(with_form(json.dumps(FORM), keep_file=True), "v2.bpmn", svc.users.get("admin"),
                   expected_key=SOP_KEY)
    (problem,) = refused.value.problems
    assert problem.code == "bpmn.form_both" and "Step02" in problem.element
