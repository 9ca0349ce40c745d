"""What the tests (and bench/) share: the SOP walk, API drivers, a BPMN builder, a mail sink, the
KPI clock, page steps and the live server. Test modules import from here, never from each other."""
