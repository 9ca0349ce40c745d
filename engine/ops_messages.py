"""Messages: deliver a named message (from the API or thrown by a case) to the cases waiting
for it, and start a case of every process whose start event waits for it."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from . import access, audit, message_waits, runtime
from .data_limits import check_data, text_problem
from .errors import Invalid, NotAllowed, Problem
from .models import Instance, MessageWait, User, utcnow
from .case_lookups import CaseLookups

MAX_NAME = 200
MAX_PAYLOAD_BYTES = 256 * 1024
#: cases one message may reach, and how far messages may bounce between cases in one request
MAX_RECIPIENTS = 100
MAX_HOPS = 5


class MessageOperations(CaseLookups):
    def deliver_message(self, name: Any, correlation_key: Any = None, data: Any = None,
                        actor: User | None = None) -> list[int]:
        """Deliver a message; returns the ids of the cases it reached or started. Callers from
        outside (the API) must be administrators or Process Owners."""
        if actor is not None and not access.is_process_owner(actor):
            raise NotAllowed("message.owners_only")
        problems = []
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            problems.append(Problem("message.bad_name", field="name", n=MAX_NAME))
        if isinstance(correlation_key, (int, float)) and not isinstance(correlation_key, bool):
            correlation_key = str(correlation_key)
        if correlation_key is not None and (not isinstance(correlation_key, str) or len(correlation_key) > 200):
            problems.append(Problem("message.bad_key", field="correlation_key"))
        for field, text in (("name", name), ("correlation_key", correlation_key)):
            if isinstance(text, str) and (why := text_problem(text)):
                problems.append(Problem(why, field=field))
        if data is not None and not isinstance(data, dict):
            problems.append(Problem("data.not_object", field="data"))
        elif data is not None and (bounds := check_data(data, "data")):
            problems += bounds
        elif data is not None and len(json.dumps(data, default=str)) > MAX_PAYLOAD_BYTES:
            problems.append(Problem("message.too_large", field="data", n=MAX_PAYLOAD_BYTES))
        if problems:
            raise Invalid("message.invalid", problems)
        delivered = self._deliver(name.strip(), correlation_key, json.loads(json.dumps(data or {})),
                                  actor.username if actor else None, hops=0, source=None)
        self._commit()
        return delivered

    def _deliver(self, name: str, key: str | None, payload: dict, actor: str | None, *, hops: int,
                 source: int | None) -> list[int]:
        now = utcnow()
        query = (select(MessageWait.instance_id, Instance.definition_id).join(
            Instance, Instance.id == MessageWait.instance_id).where(
            MessageWait.name == name, Instance.status == "running").distinct()
            .order_by(MessageWait.instance_id).limit(MAX_RECIPIENTS))
        if key is not None:
            query = query.where(MessageWait.correlation_key == key)
        delivered: list[int] = []
        reached_processes: set[str] = set()
        for instance_id, _definition_id in list(self.session.execute(query)):
            if instance_id == source:
                continue
            instance = self.instance(instance_id)
            cd = runtime.compiled(instance.definition)
            wf = self._load_or_mark_error(instance, cd)
            if wf is None:
                continue
            caught, error = runtime.deliver(wf, name, payload)
            if not caught:
                continue
            self._write_case(instance, self._outcome(wf, error, now))
            audit.record(self.session, "message", actor, instance_id=instance.id, name=name,
                         correlation_key=key)
            if error:
                audit.record(self.session, "error", None, instance_id=instance.id, message=error)
            self._hops = hops + 1
            self._index_tasks(instance, wf, cd, now)
            self._hops = hops
            delivered.append(instance.id)
            reached_processes.add(instance.definition.key)
        for definition in self.list_processes():
            starts = json.loads(definition.meta_json).get("start_messages") or []
            if name not in starts or definition.key in reached_processes:
                continue
            instance = self._start_case(definition, actor, definition.name, None, message=(name, payload),
                                        correlation_key=key, hops=hops + 1)
            delivered.append(instance.id)
        return delivered

    def _deliver_thrown(self, instance, workflow) -> None:
        hops = getattr(self, "_hops", 0)
        for name, key, payload in message_waits.thrown(workflow, message_waits.case_key(instance)):
            if hops >= MAX_HOPS:
                audit.record(self.session, "error", None, instance_id=instance.id,
                             message=f"the message '{name}' was not sent: messages bounced between cases "
                                     f"more than {MAX_HOPS} times in one go")
                continue
            self._deliver(name, key, payload, None, hops=hops, source=instance.id)
        self._hops = hops

    def message_waits(self, instance_id: int) -> list[MessageWait]:
        """What a case waits for (shown on its page)."""
        return list(self.session.scalars(select(MessageWait).where(MessageWait.instance_id == instance_id)
                                         .order_by(MessageWait.name)))
