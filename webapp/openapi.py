"""The OpenAPI 3 description of the JSON API (served at /api/openapi.json)."""
from __future__ import annotations

from typing import Any


#: How exact the report's order statistics are (engine/kpi_tally.py).
_HISTOGRAM = ("working minutes, read from running histograms: exact up to 100 minutes, above that "
              "within 1 % (and half a minute of rounding) of the exact figure")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {str(code): {"$ref": f"#/components/responses/E{code}"} for code in (400, 401, 403, 404, 409, 413, 422, 503)}


#: What a null ``size``/``sha256`` of an attachment means.
_NOT_DRAWN = ("null for a letter's PDF not drawn yet (alur renders a step's letter as DOCX and draws its "
              "PDF when first downloaded): its url draws it")


def _errors(*codes: int) -> dict:
    """The error responses of an operation. Every request passes the edge check (NUL or invalid
    Unicode anywhere in it is a 400), so every operation declared with these answers 400 too."""
    return {str(c): ERRORS[str(c)] for c in sorted({400, *codes})}


def _path_param(name: str, kind: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def openapi_document() -> dict[str, Any]:
    from engine.service import INSTANCE_STATUSES as statuses

    nullable_str = {"type": ["string", "null"]}
    nullable_time = {"type": ["string", "null"], "format": "date-time"}
    schemas = {
        "Problem": {
            "type": "object", "required": ["message", "code"],
            "description": "One thing wrong with the input. `code` is stable (say it in your own language by "
                           "it); `message` is alur's English words for it, made from `params`.",
            "properties": {
                "message": {"type": "string"},
                "code": {"type": "string", "description": "stable message code, e.g. `user.inactive`, "
                                                          "`bpmn.unnamed_lane`, `form.required`"},
                "params": {"type": "object", "description": "the values the message names; a reason inside "
                           "the message is itself an object with `code`, `message` and `params`",
                           "additionalProperties": True},
                "field": {"type": "string", "description": "the form field or request field it is about"},
                "element": {"type": "string", "description": "the BPMN element (or table column) it is about"},
                "line": {"type": "integer", "description": "the line of the file (or the table's row)"}}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "description": "what kind of refusal, e.g. `not_found`, `forbidden`, "
                                                          "`already_completed`, `invalid_data`"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}}}}},
        "Process": {"type": "object", "required": ["key", "name", "version", "id", "deployed_at"], "properties": {
            "key": {"type": "string"}, "name": {"type": "string"}, "version": {"type": "integer"},
            "id": {"type": "integer"}, "deployed_at": {"type": "string", "format": "date-time"}}},
        "Deployed": {"type": "object", "required": ["key", "version", "id"], "properties": {
            "key": {"type": "string"}, "version": {"type": "integer"}, "id": {"type": "integer"},
            "created": {"type": "boolean"},
            "processes": {"type": "array", "description": "every process the files held, the first as above",
                          "items": {"type": "object", "properties": {
                              "key": {"type": "string"}, "version": {"type": "integer"}, "id": {"type": "integer"},
                              "created": {"type": "boolean"}}}}}},
        "Attachment": {"type": "object", "required": ["id", "filename", "size", "sha256"], "properties": {
            "id": {"type": "integer"}, "filename": {"type": "string"},
            "size": {"type": ["integer", "null"], "description": _NOT_DRAWN},
            "sha256": {"type": ["string", "null"], "description": _NOT_DRAWN}, "content_type": {"type": "string"}, "uploaded_by": {"type": "string"},
            "uploaded_at": {"type": "string", "format": "date-time"}, "url": {"type": "string"}}},
        "Task": {"type": "object", "required": [
            "id", "instance_id", "bpmn_id", "step", "name", "lane", "state", "assignee", "claimed_by",
            "candidates", "created_at", "due_at", "completed_at", "completed_by", "form", "output",
            "output_required", "attachments", "round", "returned"], "properties": {
            "id": {"type": "string"}, "instance_id": {"type": "integer"}, "bpmn_id": {"type": "string"},
            "step": {"type": ["integer", "null"]}, "name": {"type": "string"}, "lane": nullable_str,
            "state": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
            "assignee": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                                   {"type": "null"}]},
            "assignees": {"type": "array", "items": {"type": "string"}},
            "claimed_by": nullable_str, "candidates": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string", "format": "date-time"}, "due_at": nullable_time,
            "completed_at": nullable_time, "completed_by": nullable_str, "on_behalf_of": nullable_str,
            "form": {"type": ["object", "null"]}, "output": nullable_str, "output_required": {"type": "boolean"},
            "attachments": {"type": "array", "items": _ref("Attachment")},
            "round": {"type": "integer", "minimum": 1},
            "returned": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["from_step", "by", "at", "note"],
                                                       "properties": {
                "from_step": {"type": ["integer", "null"]}, "by": {"type": "string"},
                "at": {"type": "string", "format": "date-time"}, "note": nullable_str}}]}}},
        "Submission": {"type": "object", "required": [
            "task_id", "step", "bpmn_id", "name", "round", "data", "completed_by", "completed_at"], "properties": {
            "task_id": {"type": "string"}, "step": {"type": ["integer", "null"]}, "bpmn_id": {"type": "string"},
            "name": {"type": "string"}, "round": {"type": "integer", "minimum": 1}, "data": {"type": "object"},
            "completed_by": {"type": "string"}, "completed_at": {"type": "string", "format": "date-time"},
            "outcome": {"type": ["object", "null"]}}},
        "Event": {"type": "object", "required": ["kind", "at"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string"}, "actor": nullable_str,
            "at": {"type": "string", "format": "date-time"}, "task_id": nullable_str, "details": {"type": "object"}}},
        "InstanceSummary": {"type": "object", "required": [
            "id", "number", "process_key", "version", "title", "status", "started_at", "ended_at"], "properties": {
            "id": {"type": "integer"}, "number": nullable_str, "process_key": {"type": "string"},
            "version": {"type": "integer"},
            "title": {"type": "string"}, "status": {"type": "string", "enum": list(statuses)},
            "started_at": {"type": "string", "format": "date-time"}, "ended_at": nullable_time,
            "started_by": nullable_str, "error": nullable_str,
            "current": {"type": "array", "items": _ref("CurrentStep")}}},
        "CurrentStep": {"type": "object", "required": ["task_id", "step", "name", "lane", "claimed_by", "due_at"],
                        "properties": {
            "task_id": {"type": "string"}, "step": {"type": ["integer", "null"]}, "name": {"type": "string"},
            "lane": nullable_str, "claimed_by": nullable_str, "assignees": {"type": "array", "items": {"type": "string"}},
            "due_at": nullable_time, "overdue": {"type": "boolean"}}},
        "MigrationNote": {"type": "object", "required": ["code", "params", "message"], "properties": {
            "code": {"type": "string", "description": "stable, e.g. migration.waiting_step_removed, migration.step_added"},
            "params": {"type": "object"}, "message": {"type": "string"}}},
        "CaseMigration": {"type": "object", "required": ["instance_id", "from_version", "to_version", "can_migrate",
                                                         "migrated", "reasons", "changes"], "properties": {
            "instance_id": {"type": "integer"}, "from_version": {"type": "integer"}, "to_version": {"type": "integer"},
            "can_migrate": {"type": "boolean"}, "migrated": {"type": "boolean"},
            "reasons": {"type": "array", "items": _ref("MigrationNote"), "description": "why it cannot move"},
            "changes": {"type": "array", "items": _ref("MigrationNote"),
                        "description": "what changes for its open and coming steps"}}},
        "Comment": {"type": "object", "required": ["id", "instance_id", "author", "body", "mentions", "created_at"],
                    "properties": {
            "id": {"type": "integer"}, "instance_id": {"type": "integer"}, "task_id": nullable_str,
            "author": {"type": "string"}, "body": {"type": "string"},
            "mentions": {"type": "array", "items": {"type": "string"}},
            "created_at": {"type": "string", "format": "date-time"}}},
        "TraceMatrix": {"type": "object", "required": ["field", "title", "origin_columns", "groups", "rows"],
                        "properties": {
            "field": {"type": "string"}, "title": {"type": "string"}, "step": {"type": ["integer", "null"]},
            "step_name": {"type": "string"},
            "origin_columns": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "title": {"type": "string"}}}},
            "groups": {"type": "array", "items": {"type": "object", "properties": {
                "step": {"type": ["integer", "null"]}, "step_name": {"type": "string"}, "bpmn_id": {"type": "string"},
                "field": {"type": "string"}, "title": {"type": "string"}, "required": {"type": "boolean"},
                "rounds": {"type": "array", "items": {"type": "integer"}},
                "columns": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "title": {"type": "string"}}}}}}},
            "rows": {"type": "array", "items": {"type": "object", "required": ["id", "uncovered"], "properties": {
                "id": {"type": "string"}, "removed": {"type": "boolean"}, "uncovered": {"type": "boolean"},
                "removed_round": {"type": ["integer", "null"]}, "added_round": {"type": ["integer", "null"]},
                "origin": {"type": "array", "items": {"type": "object", "properties": {
                    "title": {"type": "string"}, "value": {"type": "string"}}}},
                "gaps": {"type": "array", "items": {"type": "object", "properties": {
                    "step": {"type": ["integer", "null"]}, "step_name": {"type": "string"},
                    "column": {"type": "string"}}}},
                "cells": {"type": "array", "items": {"type": "object", "properties": {
                    "step": {"type": ["integer", "null"]}, "field": {"type": "string"}, "round": {"type": "integer"},
                    "column": {"type": "string"}, "value": {"type": "string"}}}}}}}}},
        "Delegation": {"type": "object", "required": ["id", "delegator", "delegate", "kind", "starts_at", "ends_at"],
                       "properties": {
            "id": {"type": "integer"}, "delegator": {"type": "string"}, "delegate": {"type": "string"},
            "kind": {"type": "string", "enum": ["plt", "plh"]}, "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"}, "reason": {"type": "string"},
            "created_by": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
            "ended_at": nullable_time, "ended_by": nullable_str}},
        "Instance": {"allOf": [_ref("InstanceSummary"), {"type": "object", "required": ["tasks", "events", "data", "submissions"],
                                                          "properties": {
            "tasks": {"type": "array", "items": _ref("Task")}, "events": {"type": "array", "items": _ref("Event")},
            "tasks_omitted": {"type": "integer"}, "events_omitted": {"type": "integer"},
            "submissions_omitted": {"type": "integer"},
            "data": {"type": "object"}, "submissions": {"type": "array", "items": _ref("Submission")}}}]},
        "KpiRow": {"type": "object", "required": [
            "step", "name", "lane", "target_minutes", "count", "median_minutes", "on_time_ratio"], "properties": {
            "process_key": {"type": "string"}, "step": {"type": ["integer", "null"]}, "name": {"type": "string"},
            "lane": nullable_str, "target_minutes": {"type": ["integer", "null"]}, "count": {"type": "integer"},
            "median_minutes": {"type": ["number", "null"], "description": _HISTOGRAM},
            "on_time_ratio": {"type": ["number", "null"]},
            "version": {"type": "integer"}, "bpmn_id": {"type": "string"},
            "p90_minutes": {"type": ["integer", "null"], "description": _HISTOGRAM}, "sent_back": {"type": ["integer", "null"]}}},
    }
    responses = {f"E{code}": _json(_ref("Error"), text) for code, text in (
        (400, "Malformed request"), (401, "Not authenticated"), (403, "Not yours / not allowed"),
        (404, "Not found"), (409, "Already completed, changed meanwhile, or not claimable"),
        (413, "Upload too large"), (422, "Form data, deliverable or BPMN invalid"),
        (503, "A letter's PDF could not be drawn (code document.pdf_failed); its DOCX is there"))}
    upload = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    deployment = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "array", "items": {"type": "string", "format": "binary"},
                     "description": "one or more .bpmn / .dmn files"},
            "default_role": {"type": "string", "maxLength": 200,
                             "description": "who does steps the diagram gives to nobody (default: Process Owner)"}}}}}}
    task_id = _path_param("task_id")
    instance_id = _path_param("instance_id", "integer")
    paths = {
        "/api/processes": {
            "get": {"summary": "Latest version of every process", "responses": {
                "200": _json({"type": "array", "items": _ref("Process")}), **_errors(401)}},
            "post": {"summary": "Deploy BPMN files (and the DMN tables they use) as new versions of every "
                                "executable process they hold (admin or Process Owner)", "requestBody": deployment,
                     "responses": {"201": _json(_ref("Deployed"), "Deployed"),
                                   "200": _json(_ref("Deployed"), "Identical to the latest version"),
                                   **_errors(401, 403, 413, 422)}}},
        "/api/processes/{key}/bpmn": {"get": {
            "summary": "BPMN XML of the latest version", "parameters": [_path_param("key")],
            "responses": {"200": {"description": "BPMN XML", "content": {"application/xml": {
                "schema": {"type": "string"}}}}, **_errors(401, 404)}}},
        "/api/instances": {
            "post": {"summary": "Start an instance", "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object", "required": ["process_key"], "properties": {
                    "process_key": {"type": "string", "minLength": 1}, "title": {"type": "string"},
                    "data": {"type": "object"}}}}}},
                     "responses": {"201": _json(_ref("Instance"), "Started"), **_errors(401, 403, 404, 422)}},
            "get": {"summary": "List instances the caller may see (mine=1: started or took part in)", "parameters": [
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(statuses)}},
                {"name": "process_key", "in": "query", "schema": {"type": "string"}},
                {"name": "mine", "in": "query", "schema": {"type": "string", "enum": ["0", "1", "true", "false"]}},
                {"name": "q", "in": "query", "description": "words the registration number's, title's or answers' words begin with",
                 "schema": {"type": "string", "maxLength": 200}},
                {"name": "overdue", "in": "query", "description": "1: only cases with a step past its due time",
                 "schema": {"type": "string", "enum": ["0", "1"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
                {"name": "offset", "in": "query", "description": "cases skipped (each one read: for deep "
                 "pages use before)", "schema": {"type": "integer", "minimum": 0}},
                {"name": "before", "in": "query", "description": "only cases with a smaller id (older): the "
                 "last id of a page gives the next page, at the same cost however deep",
                 "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {"200": _json({"type": "array", "items": _ref("InstanceSummary")}),
                                  **_errors(401, 422)}}},
        "/api/instances/{instance_id}": {"get": {"summary": "An instance with tasks, events and data",
                                                 "description": "The newest steps (and every open one) and "
                                                 "events, in time order; tasks_omitted / events_omitted count "
                                                 "the older ones left out; submissions: the newest tasks_limit.",
                                                 "parameters": [instance_id, *(
            {"name": n, "in": "query", "description": f"how many of the newest {what} (older ones: ask for more)",
             "schema": {"type": "integer", "minimum": 1, "maximum": 2000, "default": default}}
            for n, what, default in (("tasks_limit", "steps and submissions", 25), ("events_limit", "events", 60)))],
            "responses": {
            "200": _json(_ref("Instance")), **_errors(401, 403, 404)}}},
        "/api/instances/{instance_id}/withdraw": {"post": {
            "summary": "The submitter withdraws their case (while nobody else has acted on it)",
            "parameters": [instance_id], "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string", "minLength": 1, "maxLength": 500}}}}}},
            "responses": {"200": _json(_ref("Instance")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/instances/{instance_id}/migrate": {"post": {
            "summary": "Move a running case to a later version of its process, or only say whether it can (dry run)",
            "description": "dry_run (default true; admins and Process Owners): whether the case can move to "
                           "to_version (default: the latest) and what changes for it. dry_run false (admins): "
                           "moves it, audited on its timeline; a case that cannot move answers 409 with the "
                           "reasons in details and stays where it is.",
            "parameters": [instance_id], "requestBody": {"required": False, "content": {"application/json": {
                "schema": {"type": "object", "properties": {
                    "to_version": {"type": "integer", "minimum": 1}, "dry_run": {"type": "boolean"}}}}}},
            "responses": {"200": _json(_ref("CaseMigration")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/instances/{instance_id}/comments": {
            "get": {"summary": "The case's discussion thread (its participants)", "parameters": [instance_id],
                    "responses": {"200": _json({"type": "array", "items": _ref("Comment")}),
                                  **_errors(401, 403, 404)}},
            "post": {"summary": "Write in the case's discussion thread (plain text; @username mentions)",
                     "parameters": [instance_id], "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"type": "object", "required": ["body"], "properties": {
                             "body": {"type": "string", "minLength": 1, "maxLength": 2000},
                             "task_id": {"type": "string"}}}}}},
                     "responses": {"201": _json(_ref("Comment"), "Written"),
                                   **_errors(401, 403, 404, 409, 422)}}},
        "/api/delegations": {
            "get": {"summary": "Acting officials (Plt/Plh) the caller named or is (all=1: every one, admin)",
                    "parameters": [{"name": "all", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
                    "responses": {"200": _json({"type": "array", "items": _ref("Delegation")}), **_errors(401)}},
            "post": {"summary": "Name an acting official for a period (for oneself; an admin for anyone)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["delegate", "starts_at", "ends_at"], "properties": {
                             "delegator": {"type": "string"}, "delegate": {"type": "string"},
                             "kind": {"type": "string", "enum": ["plt", "plh"]},
                             "starts_at": {"type": "string", "format": "date-time"},
                             "ends_at": {"type": "string", "format": "date-time"},
                             "reason": {"type": "string", "maxLength": 500}}}}}},
                     "responses": {"201": _json(_ref("Delegation"), "Named"),
                                   **_errors(401, 403, 409, 422)}}},
        "/api/delegations/{delegation_id}/end": {"post": {
            "summary": "End a delegation now", "parameters": [_path_param("delegation_id", "integer")],
            "responses": {"200": _json(_ref("Delegation")), **_errors(401, 403, 404, 409)}}},
        "/api/instances/{instance_id}/traceability": {"get": {
            "summary": "The case's traceability matrices: each item of an item list (x-item-id) followed through "
                       "every list bound to it (x-items-from), per round, with the items a required list leaves "
                       "uncovered", "parameters": [instance_id],
            "responses": {"200": _json({"type": "object", "required": ["instance_id", "matrices"], "properties": {
                "instance_id": {"type": "integer"},
                "matrices": {"type": "array", "items": _ref("TraceMatrix")}}}), **_errors(401, 403, 404)}}},
        "/api/instances/{instance_id}/diagram.svg": {"get": {
            "summary": "The diagram with active and completed steps marked", "parameters": [instance_id],
            "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                          **_errors(401, 403, 404)}}},
        "/api/tasks": {"get": {"summary": "The caller's inbox", "parameters": [
            {"name": "state", "in": "query", "schema": {"type": "string", "enum": ["ready", "completed", "mine", "lanes"]}},
            {"name": "process_key", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": _json({"type": "array", "items": _ref("Task")}), **_errors(401, 422)}}},
        "/api/tasks/{task_id}": {"get": {"summary": "A task", "parameters": [task_id], "responses": {
            "200": _json(_ref("Task")), **_errors(401, 403, 404)}}},
        "/api/tasks/{task_id}/claim": {"post": {"summary": "Take the task", "parameters": [task_id], "responses": {
            "200": _json(_ref("Task")), **_errors(401, 403, 404, 409)}}},
        "/api/tasks/{task_id}/unclaim": {"post": {"summary": "Release the task", "parameters": [task_id],
                                                  "responses": {"200": _json(_ref("Task")),
                                                                **_errors(401, 403, 404, 409)}}},
        "/api/tasks/{task_id}/attachments": {"post": {
            "summary": "Attach a deliverable", "parameters": [task_id], "requestBody": upload,
            "responses": {"201": _json(_ref("Attachment"), "Stored"), **_errors(401, 403, 404, 409, 413, 422)}}},
        "/api/attachments/{attachment_id}": {"get": {
            "summary": "Download a deliverable", "parameters": [_path_param("attachment_id", "integer")],
            "responses": {"200": {"description": "The file", "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors(401, 403, 404, 503)},
            "description": "A letter's PDF not drawn yet (its sha256 null) is drawn by its first download and "
                           "kept: later downloads send the stored file."}},
        "/api/tasks/{task_id}/complete": {"post": {
            "summary": "Complete the task with its form data", "parameters": [task_id],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"data": {"type": "object"}}}}}},
            "responses": {"200": _json(_ref("Task")), **_errors(401, 403, 404, 409, 422)}}},
        "/api/reports/kpi": {"get": {"summary": "Target against actual time per step", "parameters": [
            {"name": "process_key", "in": "query", "schema": {"type": "string"}},
            {"name": "since", "in": "query", "description": "completions from this office day on",
             "schema": {"type": "string", "format": "date"}},
            {"name": "until", "in": "query", "description": "completions up to this office day",
             "schema": {"type": "string", "format": "date"}},
            {"name": "version", "in": "query", "description": "one version of the process only",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": "lane", "in": "query", "description": "one lane's steps only", "schema": {"type": "string"}}],
            "responses": {"200": _json({"type": "array", "items": _ref("KpiRow")}), **_errors(401, 422)}}},
        "/api/processes/{key}/sop-sheet.pdf": {"get": {
            "summary": "The SOP sheet (Permenpan-RB layout) of a version as PDF", "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "version", "in": "query", "description": "a deployed version (default: the latest)",
                 "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors(401, 404)}}},
        "/api/sop-tables": {"post": {
            "summary": "An SOP table (XLSX, CSV or DOCX in the Permenpan-RB layout) as a draft BPMN, not deployed "
                       "(admin or Process Owner)",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": _json({"type": "object", "required": ["bpmn", "problems"], "properties": {
                "bpmn": {"type": "string", "description": "the draft BPMN 2.0 XML, with DI"},
                "problems": {"type": "array", "description": "what to check: each with its code, message, "
                             "row (line) and column (field)", "items": {"$ref": "#/components/schemas/Problem"}}}}),
                **_errors(401, 403, 413, 422)}}},
        "/api/messages": {"post": {
            "summary": "Deliver a message to the cases waiting for it; start the processes whose start event "
                       "waits for it (admin or Process Owner)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "correlation_key": {"type": "string", "maxLength": 200},
                    "data": {"type": "object"}}}}}},
            "responses": {"200": _json({"type": "object", "required": ["delivered_to"], "properties": {
                "delivered_to": {"type": "array", "items": {"type": "integer"}}}}),
                **_errors(401, 403, 422)}}},
        "/api/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {
            "200": _json({"type": "object"})}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "alur API", "version": "1.0.0",
                 "description": "Run SOPs as BPMN processes: processes, instances, tasks, deliverables, KPI."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": paths,
        "components": {"schemas": schemas, "responses": responses, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}, "basic": {"type": "http", "scheme": "basic"}}},
    }
