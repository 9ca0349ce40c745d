"""Every message the engine says, by stable code: the one registry.

A refusal or a problem names a code from :data:`MESSAGES` and the values it talks about; its
English words (logs, the command line, the JSON API's ``message``) come from the code's template
here, and the web app says the same code in the page's language from its own catalogue
(:mod:`webapp.message_text`), so rewording a sentence here never loses its translation.

Writing a new one::

    raise NotFound("task.not_found", id=task_id)                 # AlurError: code, then params
    problems.append(Problem("user.inactive", field=name, u=name))  # Problem: code, where, params
    return Message("data.nul")                                    # a reason handed on (a str)

then add the code here (English, ``str.format`` fields) and to ``webapp/message_text.py``
(Indonesian msgid with the same ``%(name)s`` fields; English in the .po). ``tests/test_messages.py``
checks that every code the engine raises is here and in the catalogue, and that each template's
fields are supplied. A param may itself be a :class:`Message` (a reason inside a refusal): its
code travels with it and is said in the page's language too.

Codes are ``area.what`` words; they are an outside contract (each problem of the API's
``details`` carries its ``code`` and ``params``): never reuse one for another meaning.
"""
from __future__ import annotations

import string
from typing import Any

MESSAGES: dict[str, str] = {
    # ---- steps (engine/ops_tasks.py, engine/access.py) -------------------------------------------
    "task.not_found": "no task '{id}'",
    "task.not_visible": "you may not see this task",
    "task.not_yours": "you may not do this step: {why}",
    "task.lane_refusal": "this step belongs to the lane '{lane}', and you do not hold that role",
    "task.appointed_refusal": "this step is appointed to {names}",
    "task.taken": "this step has been taken by {user}",
    "task.release_not_yours": "this step was taken by {user}; only they or an admin may release it",
    "task.already_completed": "this step is already completed",
    "task.already_cancelled": "this step is already cancelled",
    "task.already_state": "this step is already {state}",
    "task.not_claimed": "this step is not taken by anyone",
    "task.claimed_meanwhile": "someone else took this step meanwhile",
    "task.changed_meanwhile": "this step is no longer waiting; reload the case",
    "task.reassign_admins_only": "only administrators may reassign a step",
    "task.bad_tab": "tab must be ready, mine, lanes or done",
    "task.cannot_complete": "The step cannot be completed yet",
    "task.deliverable_missing": "attach the deliverable '{o}' before completing",
    "attachment.not_found": "no attachment {id}",
    "attachment.not_on_step": "no attachment {id} on this step",
    "file.missing": "the file is missing from storage",
    # ---- cases (engine/ops_instances.py, engine/unit_of_work.py, engine/runtime.py) -----------
    "instance.not_found": "no instance {id}",
    "instance.not_visible": "you may not see this case",
    "instance.not_running": "the case is {status}; nothing can be done on it now",
    "instance.start_no_role": "you hold none of this process's roles, so you may not start it",
    "instance.cannot_start": "The case cannot be started with this data",
    "instance.start_form_unreadable": "the start form cannot be read: {why}",
    "instance.bad_status": "status must be one of {choices}",
    "instance.admins_only": "only administrators may suspend, resume or terminate a case",
    "instance.cannot_suspend": "a case that is '{status}' cannot be suspended",
    "instance.cannot_resume": "a case that is '{status}' cannot be resumed",
    "instance.cannot_terminate": "a case that is '{status}' cannot be terminated",
    "instance.terminate_reason": "give a reason for terminating",
    "instance.changed_meanwhile": "the case was changed by someone else meanwhile; reload and try again",
    "instance.busy": "the case is being changed by someone else; try again",
    "instance.done_meanwhile": "that was just done by someone else",
    "instance.state_unreadable": ("the saved state of case {id} cannot be read ({why}); an administrator can "
                                  "inspect it with 'alur check'"),
    "action.invalid": "Invalid action",
    "action.unknown": "unknown action '{action}'",
    "title.invalid": "Invalid title",
    "withdraw.invalid": "Invalid withdrawal",
    "withdraw.no_reason": "give a reason for withdrawing",
    "withdraw.reason_too_long": "the reason is longer than {n} characters",
    "withdraw.not_submitter": "only the person who started this case may withdraw it",
    "withdraw.not_running": "a case that is '{status}' cannot be withdrawn",
    "withdraw.others_acted": ("{who} has already acted on this case, so it can no longer be withdrawn; "
                              "ask an administrator to stop it"),
    "withdraw.not_yours": "the case is now at the step '{step}', which is not yours; ask an administrator to stop it",
    # ---- data and forms (engine/data_limits.py, engine/forms.py) ------------------------------
    "data.invalid": "Invalid data",
    "data.not_object": "data must be an object",
    "data.out_of_bounds": "The data cannot be accepted",
    "data.too_many_values": "too much data: at most {n} values in all",
    "data.too_deep": "nested too deeply: at most {n} levels",
    "data.number_too_large": "the number is too large",
    "data.not_finite": "the number must be finite (NaN and Infinity are not numbers JSON knows)",
    "data.text_too_long": "the text is too long: at most {n} characters",
    "data.list_too_long": "the list is too long: at most {n} items",
    "data.too_many_fields": "too many fields: at most {n}",
    "data.key_not_text": "field names must be text",
    "data.key_length": "a field name must have 1 to {n} characters",
    "data.key_problem": "field name: {why}",
    "data.not_json": "a value of type {type} is not JSON data",
    "data.nul": "text must not contain NUL characters",
    "data.surrogate": "text must be valid Unicode (a lone surrogate was found)",
    "form.required": "this field is required",
    "form.schema": "{detail}",
    "form.empty": "{detail}",
    "form.not_date": "{detail}",
    "form.bad_format": "{detail}",
    "form.not_choice": "{detail}",
    "form.below_minimum": "{detail}",
    "form.above_maximum": "{detail}",
    "form.not_integer": "{detail}",
    "form.not_number": "{detail}",
    "form.not_unique": "{detail}",
    "form.bad_name": "'{name}' is not a form file name (expected something like step01_x.json)",
    "form.no_file": "form file '{name}' does not exist in {folder}",
    "form.list_both": "form file '{name}': the field '{field}' uses both x-item-id and x-items-from",
    "form.list_prefix": ("form file '{name}': the field '{field}' has an x-item-id that is not 1-10 capital letters "
                         "or digits starting with a letter"),
    "form.list_items": "form file '{name}': the items of the list field '{field}' must be objects with an 'id' string",
    # ---- list fields (engine/item_lists.py) -------------------------------------------------------
    "list.too_many": "the list has more than {n} items",
    "list.no_id": "each item needs an id",
    "list.duplicate": "item {id} is in the list more than once",
    "list.bad_id": "item id '{id}' should look like {example}",
    "list.not_in_source": "item {id} is not in the list '{list}'",
    "list.uncovered": "item {id} ({label}) has no '{column}'",
    "form.excluded": "this value cannot go with the rest of the form ({detail})",
    "form.too_long": "longer than {n} characters",
    "form.bad_schema": "form file '{name}' is not a valid JSON Schema: {why}",
    "form.in_diagram": "the form in the diagram",
    "form.inline_too_large": "the form of step '{step}' is larger than {n} KB",
    "form.inline_json": "the form of step '{step}' is not JSON: {why}",
    "form.inline_not_object": "the form of step '{step}' must be a JSON Schema of type object with properties",
    "form.inline_schema": "the form of step '{step}' is not a valid JSON Schema: {why}",
    "bpmn.form_both": "the step names a form file ({form}) and carries a form of its own; keep one",
    "user.inactive": "no active user '{u}'",
    "user.lacks_role": "'{u}' does not hold the role '{r}'",
    # ---- users, passwords, tokens, logins (engine/users.py, ops_administration.py, ops_logins.py)
    "user.not_found": "no user '{u}'",
    "user.invalid": "Invalid user",
    "user.exists": "user '{u}' already exists",
    "user.bad_name": "use letters, digits, '.', '-' or '_' (at most 80)",
    "user.short_password": "the password needs at least 8 characters",
    "user.field_too_long": "at most {n} characters",
    "user.bad_nip": "a NIP has 18 digits",
    "user.admins_only": "only administrators manage users",
    "user.not_yourself": "you cannot take away your own administrator rights or deactivate yourself",
    "password.invalid": "Invalid password",
    "password.wrong": "the current password is wrong",
    "password.unchanged": "the new password is the same as the current one",
    "token.invalid": "Invalid token",
    "token.bad_name": "the name must be 1 to 100 characters of text",
    "token.bad_days": "the expiry must be 1 to 3650 days",
    "token.not_found": "no API token {id}",
    "token.not_yours": "you may revoke only your own API tokens",
    "token.create_not_yours": "you may create API tokens only for yourself",
    "login.not_yours": "you may end only your own login sessions",
    "login.unlock_admins_only": "only administrators may unlock accounts",
    "login.account_locked": "this account is locked after too many failed logins until {until}",
    "login.address_locked": "logins from this address are locked after too many failed logins until {until}",
    # ---- holidays, audit, periods (engine/ops_administration.py) -------------------------------
    "holiday.admins_only": "only administrators manage holidays",
    "date.invalid": "Invalid date",
    "date.format": "use YYYY-MM-DD",
    "holiday.exists": "{day} is already an extra holiday",
    "holiday.not_found": "no holiday {id}",
    "audit.admins_only": "only administrators read the audit log",
    "period.invalid": "Invalid period",
    "period.reversed": "the period ends before it starts",
    "filter.invalid": "Invalid filter",
    # ---- attachments (engine/files.py) ---------------------------------------------------------
    "attachment.invalid": "Invalid attachment",
    "file.no_name": "the file has no name",
    "file.has_path": "the file name '{name}' contains a path; send a plain file name",
    "file.control_chars": "the file name contains control characters",
    "file.name_too_long": "the file name is longer than 200 bytes",
    "file.bad_type": "files of type '{ext}' are not accepted; allowed: {allowed}",
    "file.no_extension": "the file name has no extension (e.g. .pdf, .docx)",
    "file.empty": "the file is empty",
    "file.too_large": "the file is larger than {n} MB",
    # ---- processes and deploying (engine/ops_processes.py) ------------------------------------
    "process.not_found": "no process '{key}'",
    "definition.not_found": "no process definition {id}",
    "process.bad_role": "Invalid role",
    "process.role_too_long": "the default role is longer than 200 characters",
    "process.another": "Another process",
    "process.other_key": "the diagram holds the process '{found}', not '{expected}'",
    "process.exists_title": "Process exists",
    "process.exists": "a process with the key '{key}' already exists",
    "template.owners_only": "only administrators and Process Owners may replace document templates",
    "template.unknown_name": "no step of '{key}' names the document template '{name}'",
    "template.not_found": "no document template {id}",
    # ---- document templates (engine/documents.py) ----------------------------------------------
    "template.too_large_title": "Template too large",
    "template.too_large": "the template is {n} bytes; at most {max} are accepted",
    "template.not_docx_title": "Not a DOCX",
    "template.not_docx": "the file is not a Word document (.docx)",
    "template.invalid": "Invalid template",
    "template.bad_fields": "the template's fields do not parse: {why}",
    "template.unreadable": "the Word document cannot be read: {why}",
    "template.bad_name_title": "Invalid template name",
    "template.bad_name": "a template is a .docx file name",
    "template.failed_title": "The document template failed",
    "template.failed": "the document template failed: {why}",
    "template.missing": "the process has no document template '{name}'",
    "template.missing_file": "the document template '{name}' is missing from storage",
    "document.pdf_failed": "the PDF '{name}' could not be drawn from its Word document; download the Word "
                           "document (.docx) of the same step, or ask an administrator to look at the log",
    "document.pdf_source_missing": "the Word document the PDF '{name}' is drawn from is missing from storage",
    # ---- the SOP sheet's fields (engine/sop_sheet.py) ------------------------------------------
    "sop_sheet.invalid": "Invalid SOP fields",
    "sop_sheet.unknown_field": "unknown SOP field '{name}'",
    "sop_sheet.too_long": "at most {n} characters",
    "sop_sheet.bad_date": "use a date YYYY-MM-DD",
    # ---- the BPMN file (engine/bpmn_xml.py, bpmn_loader.py, bpmn_checks.py) ---------------------
    "bpmn.invalid": "Invalid BPMN",
    "bpmn.not_xml": "Invalid BPMN: not well-formed XML",
    "bpmn.not_bpmn": "Invalid BPMN: not a BPMN 2.0 file",
    "bpmn.too_large_title": "BPMN file too large",
    "bpmn.too_large": "the file is {n} bytes; at most {max} are accepted",
    "bpmn.empty": "the file is empty",
    "bpmn.xml_error": "{detail}",
    "bpmn.doctype": "DOCTYPE and entity declarations are not allowed",
    "bpmn.entity": "entity references are not allowed",
    "bpmn.bad_root": "the root element is '{root}', expected bpmn:definitions in namespace {ns}",
    "bpmn.no_file": "no file given",
    "bpmn.too_many_files": "at most {n} files may be deployed together",
    "bpmn.only_dmn": "the deployment holds no BPMN file, only decision tables",
    "bpmn.unreadable": "the diagram could not be read ({type}: {detail})",
    "bpmn.spiff": "{detail}",
    "bpmn.spiff_hint": "{detail}: {hint}",
    "bpmn.not_compiled": "the diagram could not be compiled ({type}: {detail})",
    "bpmn.hint_task_type": ("alur runs user, manual, script, business rule, send and receive tasks, call activities, "
                            "subprocesses, events and exclusive, inclusive, parallel and event-based gateways; draw "
                            "this element as one of those"),
    "bpmn.hint_no_start": "draw a start event where the process begins",
    "bpmn.hint_duplicate_process": "each process of a deployment needs an id of its own",
    "bpmn.hint_dmn_tables": "give each DMN decision one decision table",
    "bpmn.hint_no_decisions": "the DMN file needs a decision with a decision table",
    "bpmn.hint_message_ref": "choose the message the event sends or waits for (messageRef)",
    "bpmn.dmn_cell": "the decision table cell '{cell}' is not a plain expression: {why}",
    "bpmn.no_called_process": "no process '{name}' to call",
    "bpmn.bad_prefix": "sop.prefix '{prefix}' must be 1 to 10 letters or digits (e.g. PAE)",
    "bpmn.not_executable": ("the process is marked isExecutable=\"false\": set isExecutable=\"true\" on bpmn:process "
                            "'{id}' (Camunda Modeler: tick \"Executable\" in the process's properties)"),
    "bpmn.no_process": ("the file holds no process with steps to run: draw a start event, the steps and an end "
                        "event in a pool"),
    "bpmn.no_process_id": "the process has no id",
    "bpmn.process_id_too_long": "the process id is longer than 200 characters",
    "bpmn.placeholder_key": "'{key}' is the key of a new, unnamed diagram; give the process a key of its own",
    "bpmn.duplicate_id": "duplicate id '{id}'",
    "bpmn.reserved_id": ("the id '{id}' collides with SpiffWorkflow's internal task names; rename it "
                         "(e.g. '{other}')"),
    "bpmn.bad_flow_ref": "{attr} '{ref}' does not name a flow node of this process",
    "bpmn.no_decision_ref": ("the business rule task names no decision table: set camunda:decisionRef "
                             "(or spiffworkflow:calledDecisionId) to the id of a DMN decision"),
    "bpmn.unknown_decision": ("no DMN decision '{ref}': deploy its .dmn file together with this diagram "
                              "(alur deploy diagram.bpmn table.dmn)"),
    "bpmn.no_called_element": "the call activity names no process to call: set calledElement to a process id",
    "bpmn.bad_called_version": "camunda:calledElementVersion '{version}' is not a version number",
    "bpmn.unknown_called_process": ("no process '{name}' in this file or deployed on this server: deploy it first, "
                                    "or deploy both files together"),
    "bpmn.unknown_called_version": ("no process '{name}' version {version} in this file or deployed on this "
                                    "server: deploy it first, or deploy both files together"),
    "bpmn.start_event_kind": ("a start event with {kind} is not supported (it would start at once, like a plain "
                              "start): catch the error or escalation with a boundary event on the activity instead"),
    "bpmn.start_leads_nowhere": "the start event leads nowhere: draw a flow from it to the first step",
    "bpmn.sop_form": "sop.form: {why}",
    "bpmn.items_from_unknown": ("the form's list '{list}' reads x-items-from '{source}', but no step of this "
                                "process has a list field of that name"),
    "bpmn.flow_needs_condition": ("a flow leaving a decision needs a condition or must be the gateway's default "
                                  "(only one flow may go without a condition)"),
    "bpmn.xpath_condition": ("the condition '{source}' is XPath, which alur does not evaluate; write a plain "
                             "expression over the case's data, like: approved == True"),
    "bpmn.condition_language": ("conditions in '{language}' are not supported; write a plain expression like: "
                                "approved == True"),
    "bpmn.juel_condition": ("the condition '{source}' is JUEL (Camunda 7); write it without ${{…}} as a plain "
                            "expression: {hint}"),
    "bpmn.unsafe_condition": "unsafe or invalid condition '{cond}': {why}",
    "bpmn.timer_empty": ("the timer has an empty {tag}: give an ISO 8601 value like PT1H, 2025-01-31T09:00 or "
                         "R3/PT1H"),
    "bpmn.timer_juel": "the timer '{source}' is JUEL; give an ISO 8601 value like PT1H, or a plain expression",
    "bpmn.timer_invalid": ("invalid timer '{source}': {why}; give an ISO 8601 value like PT1H, 2025-01-31T09:00 or "
                           "R3/PT1H, or timedelta(hours=1)"),
    "bpmn.timer_not_duration": "the timer '{value}' is not a duration like PT1H or P3D (ISO 8601), or is out of range",
    "bpmn.timer_not_date": "the timer '{value}' is not a date like 2025-01-31T09:00 (ISO 8601), or is out of range",
    "bpmn.timer_not_cycle": "the timer '{value}' is not a cycle like R3/PT1H (ISO 8601), or is out of range",
    "bpmn.timer_duration": "timer: {why}",
    "bpmn.timer_not_text": "the timer '{source}' is not an ISO 8601 text; write it like 'PT1H'",
    "bpmn.java_delegate": ("camunda:{attr}=\"{value}\" calls Java code, which alur does not run: model this step as "
                           "a user task (a person does it) or a script task of plain assignments"),
    "bpmn.external_worker": ("an external-worker service task needs a worker alur does not have: model this step "
                             "as a user task or a script task of plain assignments"),
    "bpmn.service_task": ("service tasks call outside systems, which alur does not do: model this step as a user "
                          "task (a person does it) or a script task of plain assignments"),
    "bpmn.listener": "a camunda:{name} runs Java or script code, which alur does not run: remove the listener",
    "bpmn.script_language": ("scripts in '{language}' do not run in alur; write plain assignments like: "
                             "total = jumlah * harga"),
    "bpmn.script_resource": ("an external script resource does not run in alur; write the script inside the task "
                             "as plain assignments"),
    "bpmn.unsafe_script": ("the script may hold only assignments over plain expressions (total = jumlah * harga), "
                           "line {n} of the script: {why}"),
    "bpmn.unsafe_pre_script": ("the preScript may hold only assignments over plain expressions "
                               "(total = jumlah * harga), line {n} of the script: {why}"),
    "bpmn.unsafe_post_script": ("the postScript may hold only assignments over plain expressions "
                                "(total = jumlah * harga), line {n} of the script: {why}"),
    "bpmn.unnamed_lane": ("the lane has no name (its name is the role that does its tasks): name it after the "
                          "role, e.g. 'Kepala Bidang'"),
    "bpmn.bad_lane_ref": "flowNodeRef '{ref}' does not name a flow node",
    "bpmn.bad_due_date": ("camunda:dueDate '{value}' is not a duration alur can use; give an ISO 8601 duration like "
                          "P3D (working time from when the step becomes ready), or set sop.duration"),
    "bpmn.bad_sop_duration": "sop.duration '{value}' is not an ISO 8601 duration like P3D or PT120M",
    "bpmn.sop_duration": "sop.duration: {why}",
    "bpmn.bad_sop_step": "sop.step '{value}' is not a whole number",
    "bpmn.bad_sop_assignee": "sop.assignee '{value}' is not a variable name",
    "bpmn.bad_assignment": ("{attr} '{value}' is an expression alur cannot read; give role or user names, or one "
                            "variable as ${{name}} (Camunda 7) or =name (Camunda 8)"),
    # ---- qualifications a process asks of who does its steps (engine/qualifications.py) --------
    "qualification.too_many": "{name} names more than {n} items",
    "qualification.too_long": "{name}: '{item}…' is longer than {n} characters",
    # ---- durations (engine/calendar.py) --------------------------------------------------------
    "duration.not_iso": "'{value}' is not an ISO 8601 duration like P3D or PT120M",
    "duration.negative": "the duration '{value}' is negative",
    "duration.too_long": "the duration '{value}' is longer than the {n} days alur accepts",
    # ---- expressions and scripts (engine/expressions.py, engine/safe_scripts.py) ---------------
    "expression.too_long": "expression longer than {n} characters",
    "expression.syntax": "not a valid expression: {why}",
    "expression.node": "'{what}' is not allowed in an expression",
    "expression.underscore": "name '{name}' is not allowed (no underscore names)",
    "expression.bytes": "bytes literals are not allowed",
    "expression.number_too_large": "number too large",
    "expression.repeat": "repeating strings or lists with * is not allowed",
    "expression.functions": "only these functions may be called: {names}",
    "expression.call_arguments": "function calls take plain positional arguments only",
    "expression.value_too_large": "the expression builds a value larger than {n} items",
    "expression.result_too_large": "the expression builds a number too large",
    "expression.percent": "'%' formatting of text is not allowed",
    "expression.list_expected": "{function}() reads a list of items, not {kind}",
    "expression.too_many_items": "{function}() reads at most {n} items",
    "expression.count_arguments": "count() takes a list, a column name and at most one value",
    "script.too_long": "the script is longer than {n} characters",
    "script.syntax": "not valid: {why}",
    "script.too_many": "more than {n} statements",
    "script.not_assignment": "only assignments like 'total = jumlah * harga' are allowed, not '{what}'",
    "script.bad_target": "assign to a plain variable name only (no attributes, items or tuples)",
    # ---- webhooks and notification settings (engine/ops_notifications.py, webhook_client.py) ---
    "webhook.url_too_long": "the address is longer than {n} characters",
    "webhook.bad_url": "use an http:// or https:// address",
    "webhook.no_events": "choose at least one of the known events",
    "webhook.unknown_events": "unknown events: {events}",
    "webhook.invalid": "Invalid webhook",
    "webhook.not_found": "no webhook {id}",
    "webhook.admins_only": "only administrators manage webhooks and deliveries",
    "notify.defaults_admins_only": "only administrators set the office's defaults",
    "notify.not_yours": "you may change only your own notification settings",
    "notify.bad_channel": "channel must be one of {choices}",
    "notify.bad_mode": "mode must be one of {choices}",
    "notify.bad_hour": "the digest hour is a whole hour from 0 to 23",
    "notify.invalid": "Invalid notification settings",
    # ---- a case stopped while running (engine/runtime.py), kept on the case by code -------------
    "engine.too_deep": "call activities and subprocesses nest more than {n} deep at '{name}': a process that calls itself?",
    "engine.step_budget": ("the case ran {n} steps without reaching a person's step or a wait (last: {name}); a loop "
                           "without a human task, or a call activity that calls its own process?"),
    "engine.recursion": "the case nests too deeply (a call activity that calls its own process?)",
    "engine.stuck": ("the case can go no further: nothing is ready or waiting and no end event was reached "
                     "(an element without an outgoing flow?)"),
    "engine.stuck_after": ("the case can go no further after '{name}': nothing is ready or waiting and no end event "
                           "was reached (an element without an outgoing flow?)"),
    "engine.failed": "{detail}",
    "engine.failed_at": "{where}: {detail}",
    # ---- a notification not delivered (engine/delivery.py, webhook_client.py), kept by code ----
    "delivery.no_address": "the person has no email address or is no longer active",
    "delivery.webhook_disabled": "the webhook is disabled",
    "delivery.webhook_disabled_because": "the webhook is disabled: {why}",
    "delivery.webhook_stopped": "{n} deliveries failed in a row; the last: {last}",
    "delivery.http_status": "the receiver answered HTTP {status}",
    "delivery.unreachable": "the receiver could not be reached: {detail}",
    "delivery.failed": "{type}: {detail}",
    # ---- messages to cases (engine/ops_messages.py) --------------------------------------------
    "message.owners_only": "only administrators and Process Owners may send messages to cases",
    "message.bad_name": "name must be a message name of 1 to {n} characters",
    "message.bad_key": "correlation_key must be a text of at most 200 characters",
    "message.too_large": "data is larger than {n} bytes",
    "message.invalid": "Invalid message",
    # ---- retention (engine/ops_retention.py) ---------------------------------------------------
    "retention.admins_only": "only administrators archive cases",
    "retention.invalid": "Invalid policy",
    "retention.bad_months": "archive after 1 to {n} months",
    # ---- backup and restore (engine/ops_backup.py) -----------------------------------------------
    "backup.exists": "{path} exists already; name a new file",
    "backup.unsupported_database": "backup handles SQLite and PostgreSQL databases, not {database}",
    "backup.tool_missing": "{tool} is not on PATH: install the PostgreSQL client tools "
                           "(Debian/Ubuntu: apt-get install postgresql-client) in the server's major version",
    "backup.tool_failed": "{tool} failed: {detail}",
    "backup.not_an_archive": "{path} is not an alur backup: {reason}",
    "backup.target_not_empty": "the database or the files folder already holds people, cases or files; "
                               "restore over them with --force",
    "backup.wrong_database": "the backup is of a {found} database, this alur uses {database}",
    # ---- acting officials and the case's discussion (engine/ops_people.py) ---------------------
    "delegation.invalid": "Invalid delegation",
    "delegation.no_delegator": "no user '{u}'",
    "delegation.not_yours": "you may name an acting official only for yourself",
    "delegation.no_delegate": "no active user '{u}'",
    "delegation.self": "a person cannot act for themselves",
    "delegation.bad_kind": "kind must be plt or plh",
    "delegation.reason_too_long": "the reason is longer than {n} characters",
    "delegation.over": "the period is already over",
    "delegation.reversed": "the period ends before it starts",
    "delegation.too_long": "a delegation covers at most {n} days",
    "delegation.too_far": "a delegation starts within {n} days",
    "delegation.overlap": "{acting} already acts for {official} in part of that period",
    "delegation.not_found": "no delegation {id}",
    "delegation.end_not_yours": "only the official, their acting official or an administrator may end this delegation",
    "delegation.ended": "this delegation has already ended",
    "comment.not_participant": "the discussion of this case is for the people taking part in it",
    "comment.invalid": "Invalid comment",
    "comment.empty": "write a comment",
    "comment.too_long": "a comment is at most {n} characters",
    "comment.step_elsewhere": "that step is not part of this case",
    "comment.full": "this case already holds {n} comments",
    # ---- the JSON API's own checks (webapp/api.py) ---------------------------------------------
    "request.invalid": "Invalid request",
    "request.no_file_title": "No file",
    "request.no_file": "send the file as multipart field 'file'",
    "request.json_too_large": "the JSON body is larger than {n} bytes",
    "request.upload_too_large": "the upload is larger than {n} MB",
    "request.process_key": "process_key is required",
    "request.title_text": "title must be a string",
    "request.mine": "mine must be 1 or 0",
    "request.q_too_long": "q is longer than {n} characters",
    "request.reason_text": "reason must be a string",
    "request.comment_text": "body (and task_id) must be strings",
    "request.bad_time": "give a time in ISO 8601 with its offset",
    "request.delegation_text": "delegator, delegate, kind and reason are strings",
    "request.bad_state": "state must be ready, completed, mine or lanes",
    "deploy.owners_only": "only administrators and Process Owners may deploy processes",
    # ---- SOP table import (engine/sop_table*.py) -----------------------------------------------
    "sop_table.owners_only": "only administrators and Process Owners may import SOP tables",
    "sop_table.unreadable": "The SOP table could not be read",
    "sop_table.too_large": "the SOP table file is larger than {limit_mb} MB",
    "sop_table.unpacked_too_large": "the SOP table file unpacks to more than {limit_mb} MB",
    "sop_table.empty": "the file is empty",
    "sop_table.unknown_zip": "the file is a ZIP archive but neither an Excel (.xlsx) nor a Word (.docx) file",
    "sop_table.legacy_office": "old Excel/Word files (.xls, .doc) cannot be read: save the file as .xlsx or .docx",
    "sop_table.pdf": "a PDF cannot be read as a table: upload the Word or Excel file it was made from",
    "sop_table.damaged": "the file is damaged (not a readable .xlsx or .docx)",
    "sop_table.too_many_rows": "the table has more than {limit} rows",
    "sop_table.too_many_columns": "the table has more than {limit} columns",
    "sop_table.sheet_too_large": "sheet '{sheet}' is larger than an SOP table can be",
    "sop_table.not_csv": "the file is not a text table (CSV)",
    "sop_table.bad_csv": "the CSV could not be read: {detail}",
    "sop_table.bad_xlsx": "the Excel file could not be read: {detail}",
    "sop_table.bad_docx": "the Word file could not be read: {detail}",
    "sop_table.no_table": ("no table with an 'Uraian Prosedur' column was found: the file needs the columns No, "
                           "Uraian Prosedur, one per Pelaksana, and Mutu Baku (Kelengkapan, Waktu, Output)"),
    "sop_table.no_lanes": "the table has no Pelaksana columns between Uraian Prosedur and Mutu Baku",
    "sop_table.no_steps": "the table has no rows with an Uraian Prosedur",
    "sop_table.no_name": "no 'Nama SOP' was found above the table: name the process in the modeler",
    "sop_table.unused_lane": "no step is marked in the Pelaksana column '{lane}'",
    "sop_table.bad_number": "'{text}' is not a step number; the row was numbered {number}",
    "sop_table.duplicate_number": "step number {number} appears twice",
    "sop_table.no_actor": "step {step} has no Pelaksana marked; it was put in '{lane}'",
    "sop_table.many_actors": "step {step} has several Pelaksana marked ({lanes}); it goes to '{lane}', the first",
    "sop_table.bad_time": "step {step}: '{text}' is not a standard time such as '3 hari', '120 menit' or '1 jam'",
    "sop_table.decision_without_target": ("step {step} looks like a decision but names no step to go back to "
                                          "(write e.g. 'jika tidak, kembali ke langkah 2' in Keterangan)"),
    "sop_table.bad_target": "step {step} leads to step {target}, which is not in the table",
    "sop_table.self_target": "step {step} leads back to itself",
    # ---- moving running cases to another version (engine/ops_migration.py, case_migration.py) ---
    "migration.refused": "case {id} cannot move to version {version}: {reasons}",
    "migration.no_version": "process '{key}' has no version {number}",
    "migration.invalid_version": "Invalid version",
    "migration.bad_to_version": "to_version must be a version number",
    "migration.not_later": "the case runs version {version}; it can only move to a later version",
    "migration.admins_only": "only administrators may move cases to another version",
    "migration.owners_only": "only administrators and Process Owners may see cases' migrations",
    # why a case stays on its version: why a case stays on its version
    "migration.not_running": "the case is '{status}', only running cases move to another version",
    "migration.archived": "the case is archived",
    "migration.waiting_step_removed": "the case waits at '{name}' ({bpmn_id}), which version {version} does not have",
    "migration.history_step_removed": ("the case's recent history passes through '{name}' ({bpmn_id}), which "
                                       "version {version} does not have"),
    "migration.subprocess_removed": "the case is inside the subprocess '{name}', which version {version} does not have",
    "migration.gateway_data_missing": ("'{gateway}' in version {version} reads '{variable}', which the case does "
                                       "not hold and no step before it fills in"),
    "migration.state_unusable": "the moved case could not be saved and read back: {detail}",
    "migration.engine_error": "the case would stop with an error on version {version}: {detail}",
    # what changes for a case that moves
    "migration.step_renamed": "step {step}: its name '{old}' becomes '{new}'",
    "migration.step_duration": "standard time of step {step}: {old} → {new}",
    "migration.step_lane": "step {step} moves from '{old}' to '{new}'",
    "migration.step_form": "step {step} gets another form ({old} → {new})",
    "migration.step_number": "step '{name}' is numbered {new} instead of {old}",
    "migration.step_added": "step {step} '{name}' is added ahead of the case",
    "migration.step_removed": "step {step} '{name}' is no longer ahead of the case",
    "migration.no_change": "nothing changes for this case's open and coming steps",
    # ---- a diagram against the deployed version (engine/version_diff.py; the modeler, before publishing)
    "process.owners_check": "only administrators and Process Owners may check and compare diagrams",
    "diff.step_renamed": "step {step}: its name '{old}' becomes '{new}'",
    "diff.step_duration": "standard time of step {step}: {old} → {new}",
    "diff.step_lane": "step {step} moves from '{old}' to '{new}'",
    "diff.step_form": "step {step} gets another form ({old} → {new})",
    "diff.step_number": "step '{name}' is numbered {new} instead of {old}",
    "diff.step_output": "output of step {step}: '{old}' → '{new}'",
    "diff.step_form_fields": "the form of step {step} changes",
    "migration.step_form_fields": "the form of step {step} changes",
    "diff.step_added": "step {step} '{name}' is added",
    "diff.step_removed": "step {step} '{name}' is removed",
    "diff.lane_added": "lane '{name}' is added",
    "diff.lane_removed": "lane '{name}' is removed",
    "diff.decision_changed": "the decision '{name}' goes elsewhere or asks something else",
    "diff.decision_added": "decision '{name}' is added",
    "diff.decision_removed": "decision '{name}' is removed",
    "diff.process_renamed": "the process's name '{old}' becomes '{new}'",
    "diff.no_change": "the diagram's steps, lanes and decisions are as in version {version}",
    # ---- durations in words (engine/durations.py, read from SOP tables) ------------------------
    "duration_words.not_iso": "'{text}' is not a duration such as '3 hari', '120 menit' or P3D",
    "duration_words.bad_unit": "'{unit}' in '{text}' is not a unit (hari, jam, menit, minggu, bulan)",
    "duration_words.bad_number": "'{number}' in '{text}' is not a number",
    "duration_words.unknown": "'{text}' is not a duration such as '3 hari', '120 menit' or '1 jam'",
    "duration_words.months": "'{text}': give months as whole numbers, or the time in days",
    "duration_words.minutes": "'{text}': the time must come to whole minutes",
    "duration_words.too_long": "'{text}' is longer than five years",
    "duration_words.zero": "'{text}' is no time at all",
}

#: The code of a refusal or problem written as plain words (a page's own sentence, or a raise site
#: not yet given a code): said as it is, everywhere.
UNREGISTERED = "unregistered"


def fields(template: str) -> set[str]:
    """The named fields of a template (``{name}``)."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def render(code: str, params: dict[str, Any]) -> str:
    """The English words of ``code`` with ``params`` filled in; an unknown code is its own words."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    return template.format_map(params)


class Message(str):
    """A registered message: its English words (it *is* that text, so it can go wherever a reason
    in words went) with its ``code`` and ``params`` alongside, for saying it in another language.
    Plain text that is no code becomes an :data:`UNREGISTERED` message of those words."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> "Message":
        if isinstance(code, Message) and not params:
            return code
        if code in MESSAGES:
            text = render(code, params)
        else:
            text, params, code = str(code), {}, UNREGISTERED
        self = super().__new__(cls, text)
        self.code, self.params = code, params
        return self

    @property
    def message(self) -> str:
        """Its English words (as :class:`~engine.errors.Problem` has them)."""
        return str(self)

    def as_dict(self) -> dict[str, Any]:
        """``{"code", "params", "message"}``, as the JSON API and the audit log keep it."""
        return {"code": self.code, "params": self.as_params(), "message": str(self)}

    def as_params(self) -> dict[str, Any]:
        """``params`` for JSON: a reason inside a reason as its own ``{"code", "params", "message"}``."""
        return {k: plain(v) for k, v in self.params.items()}


def plain(value: Any) -> Any:
    """A param as JSON: a nested :class:`Message` as an object; anything else as it is when JSON
    knows it, else as its text."""
    if isinstance(value, Message):
        found = {"code": value.code, "message": str(value)}
        if value.params:
            found["params"] = value.as_params()
        return found
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


class Coded:
    """Mixin for the engine's own exceptions that are not :class:`~engine.errors.AlurError`
    (``UnsafeExpression``, ``FormError``, ...): raised with a code and params, ``str()`` is the
    English, ``.msg`` the :class:`Message` to hand on as a reason."""

    msg: Message

    def __init__(self, code: str, /, **params: Any) -> None:
        self.msg = Message(code, **params)
        super().__init__(str(self.msg))

    @property
    def code(self) -> str:
        return self.msg.code

    @property
    def params(self) -> dict[str, Any]:
        return self.msg.params
