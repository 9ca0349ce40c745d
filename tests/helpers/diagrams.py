"""The seed SOP changed for a test: a step taken out."""
from __future__ import annotations

import re
from pathlib import Path


SEED = Path(__file__).resolve().parents[2] / "processes" / "pengembangan_aplikasi_egov.bpmn"


def without_step(bpmn_id: str, before: str, after: str) -> bytes:
    """The seed SOP with one step taken out (its flows joined around it)."""
    xml = SEED.read_text(encoding="utf-8")
    xml = re.sub(rf'<bpmn:userTask id="{bpmn_id}"[\s\S]*?</bpmn:userTask>\s*', "", xml, count=1)
    xml = re.sub(rf'<bpmn:flowNodeRef>{bpmn_id}</bpmn:flowNodeRef>\s*', "", xml)
    xml = re.sub(rf'<bpmndi:BPMNShape id="{bpmn_id}_di"[\s\S]*?</bpmndi:BPMNShape>\s*', "", xml)
    into, out = f"Flow_{before}_{bpmn_id[-2:]}", f"Flow_{bpmn_id[-2:]}_{after}"
    xml = re.sub(rf'<bpmn:sequenceFlow id="{into}"[^>]*/>\s*', "", xml)
    xml = re.sub(rf'<bpmndi:BPMNEdge id="{into}_di"[\s\S]*?</bpmndi:BPMNEdge>\s*', "", xml)
    xml = xml.replace(f'<bpmn:sequenceFlow id="{out}" sourceRef="{bpmn_id}"',
                      f'<bpmn:sequenceFlow id="{out}" sourceRef="Step{before}"')
    xml = xml.replace(f"<bpmn:outgoing>{into}</bpmn:outgoing>", f"<bpmn:outgoing>{out}</bpmn:outgoing>")
    return xml.encode("utf-8")
