"""Process definitions: validate, deploy as versions, look up."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from . import audit, runtime
from .bpmn_loader import ParsedProcess, load_bpmn
from .errors import Invalid, NotFound, Problem
from .forms import form_names
from .models import ProcessDefinition, User, utcnow
from .state import dump_spec
from .unit_of_work import UnitOfWork, valid_id as _valid_id


class ProcessOperations(UnitOfWork):
    # ---- process definitions ----------------------------------------------------------
    def validate_bpmn(self, data: bytes, filename: str = "process.bpmn") -> ParsedProcess:
        return load_bpmn(data, forms_dir=self.config.forms_dir, max_bytes=self.config.max_bpmn_bytes,
                         scripts_enabled=self.config.scripts_enabled, filename=filename)

    def deploy(self, data: bytes, filename: str = "process.bpmn", actor: User | None = None, *,
               expected_key: str | None = None, new_process: bool = False) -> tuple[ProcessDefinition, bool]:
        """Validate and store a new version. Identical content to the latest is not a new version.

        ``expected_key``: the file must hold that process (a new version sent from its page);
        ``new_process``: the file must hold a process this server does not have yet."""
        parsed = self.validate_bpmn(data, filename)
        where = {"element": f"process '{parsed.key}'"}
        if expected_key is not None and parsed.key != expected_key:
            raise Invalid("Another process", [Problem(
                f"the diagram holds the process '{parsed.key}', not '{expected_key}'", **where)])
        latest = self.latest_definition(parsed.key, required=False)
        if new_process and latest is not None:
            raise Invalid("Process exists", [Problem(f"a process with the key '{parsed.key}' already exists", **where)])
        if latest is not None and latest.content_hash == parsed.content_hash:
            return latest, False
        definition = ProcessDefinition(
            key=parsed.key, name=parsed.name, version=(latest.version + 1) if latest else 1,
            content_hash=parsed.content_hash, bpmn_xml=parsed.xml,
            spec_json=dump_spec(parsed.spec, parsed.subprocess_specs),
            meta_json=json.dumps({"tasks": {k: v.as_dict() for k, v in parsed.tasks.items()},
                                  "lanes": parsed.lanes, "prefix": parsed.prefix}),
            documentation=parsed.documentation, filename=Path(filename).name,
            deployed_by=actor.username if actor else None, deployed_at=utcnow())
        self.session.add(definition)
        self.session.flush()
        audit.record(self.session, "deploy", actor.username if actor else None,
                     key=parsed.key, version=definition.version)
        self._commit()
        return definition, True

    def deploy_directory(self, directory: Path | None = None, actor: User | None = None) -> list[ProcessDefinition]:
        deployed = []
        for path in sorted(Path(directory or self.config.processes_dir).glob("*.bpmn")):
            definition, created = self.deploy(path.read_bytes(), path.name, actor)
            if created:
                deployed.append(definition)
        return deployed

    def latest_definition(self, key: str, *, required: bool = True) -> ProcessDefinition | None:
        definition = self.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                         .order_by(ProcessDefinition.version.desc()).limit(1))
        if definition is None and required:
            raise NotFound(f"no process '{key}'")
        return definition

    def definition(self, definition_id: int) -> ProcessDefinition:
        definition = self.session.get(ProcessDefinition, definition_id) if _valid_id(definition_id) else None
        if definition is None:
            raise NotFound(f"no process definition {definition_id}")
        self._pinned[(ProcessDefinition, definition_id)] = definition
        return definition

    def list_processes(self) -> list[ProcessDefinition]:
        newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
                  .group_by(ProcessDefinition.key).subquery())
        return list(self.session.scalars(select(ProcessDefinition).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v))
            .order_by(ProcessDefinition.name)))

    def versions(self, key: str) -> list[ProcessDefinition]:
        return list(self.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                         .order_by(ProcessDefinition.version.desc())))

    def form_names(self) -> list[str]:
        """The step forms this server has (``forms/``), for ``sop.form``."""
        return form_names(self.config.forms_dir)

    def compiled(self, definition: ProcessDefinition) -> runtime.CompiledDefinition:
        return runtime.compiled(definition)
