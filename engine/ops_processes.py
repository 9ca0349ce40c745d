"""Process definitions: validate, deploy as versions, look up."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import bindparam, select

from . import access, audit, documents, runtime
from .bpmn_loader import ParsedProcess, load_bundle
from .errors import Invalid, NotAllowed, NotFound, Problem
from .forms import form_names
from .models import DocumentTemplate, ProcessDefinition, User, utcnow
from .qualifications import same
from .sop_table_import import SopTableDraft, draft_from_sop_table
from .state import dump_spec
from .case_lookups import CaseLookups
from .unit_of_work import valid_id as _valid_id
from .messages import Message
from .version_diff import diff_versions

#: A process's versions, newest first (the process page: built once, docs/benchmarks.md).
_VERSIONS = (select(ProcessDefinition).where(ProcessDefinition.key == bindparam("key"))
             .order_by(ProcessDefinition.version.desc()))


class _DeployedLookup:
    """What this server already has, for call activities and decision tables a deployment
    names but does not bring: the latest version, or the one a call activity pins."""

    def __init__(self, ops: "ProcessOperations") -> None:
        self.ops = ops

    def process(self, key: str, version: int | None = None):
        if version is None:
            definition = self.ops.latest_definition(key, required=False)
        else:
            definition = next((d for d in self.ops.versions(key) if d.version == version), None)
        if definition is None:
            return None
        cd = runtime.compiled(definition)
        return cd.spec, cd.subprocess_specs, cd.tasks

    def decision(self, decision_id: str) -> str | None:
        name = f"{decision_id}.dmn"
        for definition in self.ops.list_processes():
            found = json.loads(definition.meta_json).get("decisions", {}).get(name)
            if found:
                return found
        return None


class ProcessOperations(CaseLookups):
    # ---- process definitions ----------------------------------------------------------
    def validate_bpmn(self, data: bytes, filename: str = "process.bpmn") -> ParsedProcess:
        return self.validate_files([(filename, data)])[0]

    def validate_files(self, files: list[tuple[str, bytes]], default_role: str | None = None) -> list[ParsedProcess]:
        """Check and compile a deployment (BPMN and DMN files) without storing anything."""
        return load_bundle(files, forms_dir=self.config.forms_dir, max_bytes=self.config.max_bpmn_bytes,
                           deployed=_DeployedLookup(self), default_role=default_role)

    def deploy(self, data: bytes, filename: str = "process.bpmn", actor: User | None = None, *,
               expected_key: str | None = None, new_process: bool = False,
               default_role: str | None = None) -> tuple[ProcessDefinition, bool]:
        """Validate and store a new version of each process in one file; answers the one
        ``expected_key`` names, else the file's first. See :meth:`deploy_files`."""
        deployed = self.deploy_files([(filename, data)], actor, expected_key=expected_key,
                                     new_process=new_process, default_role=default_role)
        return deployed[0]

    def deploy_files(self, files: list[tuple[str, bytes]], actor: User | None = None, *,
                     expected_key: str | None = None, new_process: bool = False,
                     default_role: str | None = None) -> list[tuple[ProcessDefinition, bool]]:
        """Validate and store a new version of every executable process in the files (BPMN and
        DMN), all or nothing. Identical content to a process's latest is not a new version.

        ``expected_key``: the files must hold that process (a new version sent from its page),
        and it comes first in the answer; ``new_process``: the first process must be one this
        server does not have yet; ``default_role``: who does steps the diagram gives to nobody
        (default: the latest version's, else Process Owner)."""
        role = (default_role or "").strip() or None
        if role is None and expected_key:
            latest = self.latest_definition(expected_key, required=False)
            role = json.loads(latest.meta_json).get("default_role") if latest is not None else None
        if role is not None and len(role) > 200:
            raise Invalid("process.bad_role", [Problem("process.role_too_long", field="default_role")])
        parsed = self.validate_files(files, default_role=role)
        if expected_key is not None:
            if expected_key not in [p.key for p in parsed]:
                raise Invalid("process.another", [Problem(
                    "process.other_key", element=f"process '{parsed[0].key}'", found=parsed[0].key,
                    expected=expected_key)])
            parsed.sort(key=lambda p: p.key != expected_key)
        if new_process and self.latest_definition(parsed[0].key, required=False) is not None:
            raise Invalid("process.exists_title", [Problem("process.exists", element=f"process '{parsed[0].key}'",
                                                           key=parsed[0].key)])
        answer = [self._store_version(p, actor) for p in parsed]
        self._commit()
        return answer

    def _store_version(self, parsed: ParsedProcess, actor: User | None) -> tuple[ProcessDefinition, bool]:
        latest = self.latest_definition(parsed.key, required=False)
        if latest is not None and latest.content_hash == parsed.content_hash:
            return latest, False
        definition = ProcessDefinition(
            key=parsed.key, name=parsed.name, version=(latest.version + 1) if latest else 1,
            content_hash=parsed.content_hash, bpmn_xml=parsed.xml,
            spec_json=dump_spec(parsed.spec, parsed.subprocess_specs),
            meta_json=json.dumps({"tasks": {k: v.as_dict() for k, v in parsed.tasks.items()},
                                  "lanes": parsed.lanes, "default_role": parsed.default_role,
                                  "start_messages": parsed.start_messages, "decisions": parsed.decisions,
                                  "prefix": parsed.prefix, "start_form": parsed.start_form,
                                  "start_form_schema": parsed.start_form_schema,
                                  "qualification": parsed.qualification}),
            documentation=parsed.documentation, filename=Path(parsed.filename).name[:300],
            deployed_by=actor.username if actor else None, deployed_at=utcnow())
        self.session.add(definition)
        self.session.flush()
        audit.record(self.session, "deploy", actor.username if actor else None,
                     key=parsed.key, version=definition.version)
        return definition, True

    def check_diagram(self, data: bytes, user: User, *, expected_key: str | None = None) -> list[Problem]:
        """The problems a deployment of ``data`` would be refused with (the modeler asks as one
        edits), none when it would deploy; nothing is stored. ``expected_key``: as for a deploy."""
        if not access.is_process_owner(user):
            raise NotAllowed("process.owners_check")
        try:
            parsed = self.validate_files([("diagram.bpmn", data)], default_role=self._role_of(expected_key))
        except Invalid as exc:
            return exc.problems or [Problem(exc.said)]
        if expected_key is not None and expected_key not in [p.key for p in parsed]:
            return [Problem("process.other_key", element=f"process '{parsed[0].key}'", found=parsed[0].key,
                            expected=expected_key)]
        return []

    def diff_with_latest(self, data: bytes, key: str, user: User) -> tuple[ProcessDefinition, list[Message]]:
        """What ``data`` changes against the latest deployed version of ``key`` (checked as a deploy
        is: :class:`Invalid` with the problems when it would be refused)."""
        if not access.is_process_owner(user):
            raise NotAllowed("process.owners_check")
        latest = self.latest_definition(key)
        parsed = self.validate_files([("diagram.bpmn", data)], default_role=self._role_of(key))
        mine = next((p for p in parsed if p.key == key), None)
        if mine is None:
            raise Invalid("process.another", [Problem("process.other_key", element=f"process '{parsed[0].key}'",
                                                      found=parsed[0].key, expected=key)])
        return latest, diff_versions(runtime.compiled(latest), mine, latest.version)

    def _role_of(self, key: str | None) -> str | None:
        latest = self.latest_definition(key, required=False) if key else None
        return json.loads(latest.meta_json).get("default_role") if latest is not None else None

    def draft_from_sop_table(self, data: bytes, filename: str, actor: User) -> SopTableDraft:
        """A draft diagram from an office's SOP table (XLSX, CSV, DOCX), checked but not deployed:
        for admins and Process Owners, who publish it from the modeler."""
        if not access.is_process_owner(actor):
            raise NotAllowed("sop_table.owners_only")
        return draft_from_sop_table(data, filename, forms_dir=self.config.forms_dir,
                                    max_bpmn_bytes=self.config.max_bpmn_bytes)

    def deploy_directory(self, directory: Path | None = None, actor: User | None = None) -> list[ProcessDefinition]:
        """Deploy each ``*.bpmn`` of the folder not yet deployed, with the document templates its
        steps name (``sop.document``) from the folder's ``templates/`` where the server has none."""
        deployed = []
        folder = Path(directory or self.config.processes_dir)
        for path in sorted(folder.glob("*.bpmn")):
            for definition, created in self.deploy_files([(path.name, path.read_bytes())], actor):
                if created:
                    deployed.append(definition)
                self._import_templates(definition, folder, actor)
        return deployed

    def default_role(self, definition: ProcessDefinition) -> str:
        """Who does the steps this version's diagram gives to nobody (from the compiled version:
        its metadata is read once per process, not with the XML and spec on every page)."""
        return runtime.compiled(definition).default_role

    # ---- document templates (sop.document) ----------------------------------------------------
    def _import_templates(self, definition: ProcessDefinition, folder: Path, actor: User | None) -> None:
        """The templates a version's steps name, from the folder's ``templates/`` where the server
        has none of that name yet."""
        for name in self.document_names(definition):
            source = folder / "templates" / name
            if source.is_file() and documents.latest_template(self.session, definition.key, name) is None:
                documents.store_template(self.session, self.files, definition.key, name, source.read_bytes(),
                                         actor.username if actor else None)
                self._commit()

    def document_names(self, definition: ProcessDefinition) -> list[str]:
        """The templates a version's steps name, in step order."""
        metas = sorted(runtime.compiled(definition).tasks.values(), key=lambda m: (m.step is None, m.step or 0))
        return list(dict.fromkeys(m.properties["sop.document"] for m in metas if m.properties.get("sop.document")))

    def document_templates(self, key: str) -> dict[str, list[DocumentTemplate]]:
        return documents.templates_of(self.session, key)

    def upload_template(self, key: str, name: str, data: bytes, user: User) -> DocumentTemplate:
        """A process owner replaces a template: a new version of it, used from the next completion on."""
        if not access.is_process_owner(user):
            raise NotAllowed("template.owners_only")
        definition = self.latest_definition(key)
        if name not in self.document_names(definition):
            raise NotFound("template.unknown_name", key=key, name=name)
        template = documents.store_template(self.session, self.files, key, name, data, user.username)
        audit.record(self.session, "template", user.username, key=key, name=name, sha256=template.sha256)
        self._commit()
        return template

    def template_file(self, template_id: int) -> tuple[DocumentTemplate, Path]:
        template = self.session.get(DocumentTemplate, template_id) if _valid_id(template_id) else None
        if template is None:
            raise NotFound("template.not_found", id=template_id)
        path = self.files.path_for(template.sha256)
        if not path.exists():
            raise NotFound("file.missing")
        return template, path

    def versions(self, key: str) -> list[ProcessDefinition]:
        return list(self.session.scalars(_VERSIONS, {"key": key}))

    def form_names(self) -> list[str]:
        """The step forms this server has (``forms/``), for ``sop.form``."""
        return form_names(self.config.forms_dir)

    def education_levels(self) -> list[str]:
        """Education levels to suggest when recording a person's: those the processes' Kualifikasi
        Pelaksana name (latest versions) and those already recorded, each spelling once."""
        named = [level for d in self.list_processes() for level in runtime.compiled(d).qualification.levels]
        recorded = self.session.scalars(select(User.education_level).where(User.education_level != "").distinct())
        levels: list[str] = []
        for level in [*named, *sorted(recorded)]:
            if not any(same(level, known) for known in levels):
                levels.append(level)
        return levels

    def compiled(self, definition: ProcessDefinition) -> runtime.CompiledDefinition:
        return runtime.compiled(definition)

    def bpmn_source(self, definition: ProcessDefinition) -> str:
        """The version's BPMN XML, read once per process (see ``runtime.source``)."""
        return runtime.source(definition)
