"""Serialization of instance state with SpiffWorkflow's own serializer.

A full SpiffWorkflow serialization embeds the whole process spec (about half of a fresh
instance). alur stores the spec once per deployed version (``ProcessDefinition.spec_json``)
and keeps only the instance part on the instance row. Restored specs are cached per
definition id, so neither start nor load re-parses XML or re-restores the spec.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class InstanceOnlyConverter(BpmnWorkflowConverter):
    """Like SpiffWorkflow's workflow converter, but leaves the specs out of the dictionary."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_config = dict(SPIFF_CONFIG)
_config[BpmnWorkflow] = InstanceOnlyConverter
_registry = BpmnWorkflowSerializer.configure(_config)
SERIALIZER = BpmnWorkflowSerializer(_registry)
#: Spec serialization uses the stock SPIFF_CONFIG (the converter above only changes workflows).
SPEC_SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
SERIALIZER_VERSION: str = SERIALIZER.VERSION


def dump_spec(spec, subprocess_specs: dict) -> str:
    reg = SPEC_SERIALIZER.registry
    return json.dumps({
        "spec": reg.convert(spec),
        "subprocess_specs": {k: reg.convert(v) for k, v in subprocess_specs.items()},
        "serializer_version": SERIALIZER_VERSION,
    })


def load_spec(spec_json: str) -> tuple[Any, dict]:
    dct = json.loads(spec_json)
    reg = SPEC_SERIALIZER.registry
    spec = reg.restore(dct["spec"])
    subs = {k: reg.restore(v) for k, v in dct.get("subprocess_specs", {}).items()}
    return spec, subs


def dump_instance(workflow: BpmnWorkflow) -> str:
    """The instance part only (tasks, data, events); the version key is kept in the JSON."""
    return SERIALIZER.serialize_json(workflow)


def load_instance(state: str, spec, subprocess_specs: dict, script_engine) -> BpmnWorkflow:
    dct = json.loads(state)
    version = dct.pop(SERIALIZER.VERSION_KEY, None)
    if version in MIGRATIONS:
        # SpiffWorkflow upgrades an older document with its MIGRATIONS, which expect the full
        # document (specs included); alur keeps instance-only state, so it cannot run them, and
        # has no tooling of its own for it. pyproject.toml pins SpiffWorkflow to one minor
        # version (and constraints.txt to one release) so this is not reached in practice.
        raise RuntimeError(
            f"this case's state was written by SpiffWorkflow serializer {version}, and this alur "
            f"runs serializer {SERIALIZER_VERSION}; alur cannot migrate instance-only state, so "
            "run it with the SpiffWorkflow version pinned in pyproject.toml / constraints.txt")
    workflow = SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow


class DefinitionCache:
    """Compiled definitions per process-definition id (an LRU; deployed versions never change)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, definition_id, build) -> Any:
        with self._lock:
            if definition_id in self._items:
                self._items.move_to_end(definition_id)
                return self._items[definition_id]
        value = build()
        with self._lock:
            self._items[definition_id] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
