"""What moving a running case to another version of its process says, by stable code, with its
English words (``str.format`` templates). Reasons and changes carry ``code`` and ``params`` beside
the English ``message``: the JSON API sends all three, the pages say the code in their language
(:mod:`webapp.migration_text`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, str] = {
    # refusals: why a case stays on its version
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
    # what a diagram changes against the deployed version (the modeler asks before publishing)
    "diff.step_renamed": "step {step}: its name '{old}' becomes '{new}'",
    "diff.step_duration": "standard time of step {step}: {old} → {new}",
    "diff.step_lane": "step {step} moves from '{old}' to '{new}'",
    "diff.step_form": "step {step} gets another form ({old} → {new})",
    "diff.step_number": "step '{name}' is numbered {new} instead of {old}",
    "diff.step_output": "output of step {step}: '{old}' → '{new}'",
    "diff.step_added": "step {step} '{name}' is added",
    "diff.step_removed": "step {step} '{name}' is removed",
    "diff.lane_added": "lane '{name}' is added",
    "diff.lane_removed": "lane '{name}' is removed",
    "diff.decision_changed": "the decision '{name}' goes elsewhere or asks something else",
    "diff.decision_added": "decision '{name}' is added",
    "diff.decision_removed": "decision '{name}' is removed",
    "diff.process_renamed": "the process's name '{old}' becomes '{new}'",
    "diff.no_change": "the diagram's steps, lanes and decisions are as in version {version}",
}


@dataclass
class Note:
    """One reason or change: a stable code, its parameters and its English words."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code].format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.message}
