"""alur's engine: BPMN loading, SpiffWorkflow runtime, persistence and the service facade.

This package never imports Flask or ``webapp``; the web pages, the JSON API, the CLI and the
tests all drive it through :class:`engine.service.WorkflowService`.
"""
