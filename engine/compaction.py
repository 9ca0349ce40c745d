"""History compaction: keep an instance's SpiffWorkflow state bounded however often it loops.

SpiffWorkflow never forgets: every pass round a review loop appends the loop's tasks to the task
tree, each task carrying its own copy of the case data, so the state grows and every load and save
gets slower (bare SpiffWorkflow: 33 KB → 150 KB and 2× the step time after 50 rounds of the SOP's
step-12 loop). What alur needs from old completed tasks is already elsewhere: who did which step,
when and with what data is in the task index (``tasks``) and the audit log, both written in the
same transaction; the case data lives on in every newer task's data.

:func:`compact` prunes the completed part of the tree *above* the lowest common ancestor of all
unfinished tasks (ready, waiting, started and predicted ones), keeping the ``keep`` nearest
completed ancestors and everything that changed in the current unit of work (so the task index
still sees the task just completed). The oldest kept task is re-attached to the tree's root, so
the tree stays a well-formed tree and the root keeps its place. What is left is exactly what
SpiffWorkflow consults to continue: the unfinished tasks, their data and their recent ancestry.

Why this is safe: a pruned task is finished and is an ancestor of every unfinished task, or a
finished task in a side branch of such an ancestor. Joins only look at their own split's
branches, which hang below the common ancestor while any branch is still open; loops re-enter by
creating new tasks under the current one, never by revisiting old tasks. Completed workflows and
subprocess-internal trees are left alone; a pruned task that started a subprocess takes its
(finished) subprocess with it.
"""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

#: Completed ancestors kept above the lowest common ancestor of the unfinished tasks.
DEFAULT_KEEP = 3


def _subtree_ids(workflow: BpmnWorkflow, top: Task) -> list[UUID]:
    ids, stack = [], [top.id]
    tasks = workflow.tasks
    while stack:
        tid = stack.pop()
        ids.append(tid)
        task = tasks.get(tid)
        if task is not None:
            stack.extend(task._children)
    return ids


def _lowest_common_ancestor(workflow: BpmnWorkflow, unfinished: list[Task]) -> Task | None:
    if not unfinished:
        return None
    first = unfinished[0]
    path: list[Task] = []
    task: Task | None = first
    while task is not None:
        path.append(task)
        task = task.parent
    path.reverse()  # root … first
    depth_of = {t.id: i for i, t in enumerate(path)}
    lca = len(path) - 1
    for other in unfinished[1:]:
        task = other
        while task is not None and task.id not in depth_of:
            task = task.parent
        if task is None:  # not in the same tree: refuse to guess
            return None
        lca = min(lca, depth_of[task.id])
    return path[lca]


def compact(workflow: BpmnWorkflow, keep: int = DEFAULT_KEEP, since: float | None = None) -> int:
    """Prune completed history of ``workflow`` in place; returns the number of tasks removed.

    ``since``: a ``time.time()`` moment (when the state was loaded); tasks whose state changed at
    or after it are kept, whatever ``keep`` says, so the task index sees what this unit of work did.
    """
    if keep < 0 or workflow.completed:
        return 0
    root = workflow.task_tree
    if root is None:
        return 0
    tasks = workflow.tasks
    # Unfinished tasks whose parent is finished: the tops of the open part of the tree.
    unfinished = [t for t in tasks.values() if t.has_state(TaskState.NOT_FINISHED_MASK)
                  and (t.parent is None or not t.parent.has_state(TaskState.NOT_FINISHED_MASK))]
    anchor = _lowest_common_ancestor(workflow, unfinished)
    if anchor is None or anchor is root:
        return 0
    chain: list[Task] = []  # the anchor's ancestors, nearest first, root excluded
    below: dict[UUID, UUID] = {}  # ancestor id → its child on the path to the anchor
    child, task = anchor, anchor.parent
    while task is not None and task is not root:
        chain.append(task)
        below[task.id] = child.id
        child, task = task, task.parent
    if task is not root:
        return 0
    below[root.id] = child.id

    def fresh(tid: UUID) -> bool:
        return since is not None and tasks[tid].last_state_change >= since

    def side_branches(node: Task) -> list[list[UUID]]:
        """Finished branches hanging off ``node`` beside the path to the anchor."""
        return [_subtree_ids(workflow, tasks[c]) for c in node._children if c != below[node.id] and c in tasks]

    sides = {node.id: side_branches(node) for node in [*chain, root]}
    cut = keep
    for i, node in enumerate(chain):
        if fresh(node.id) or any(fresh(t) for branch in sides[node.id] for t in branch):
            cut = max(cut, i + 1)
    cut = min(cut, len(chain))
    doomed: list[UUID] = []
    for node in chain[cut:]:  # old history: the node and everything beside it
        doomed.append(node.id)
        doomed.extend(t for branch in sides[node.id] for t in branch)
    for node in [*chain[:cut], root]:  # recent history: only the finished side branches
        for branch in sides[node.id]:
            if not any(fresh(t) for t in branch):
                doomed.extend(branch)
    if not doomed:
        return 0
    if any(tasks[tid].has_state(TaskState.NOT_FINISHED_MASK) for tid in doomed):
        return 0  # cannot happen by construction; never prune open work
    doomed_set = set(doomed)
    for tid in doomed:
        if tid in workflow.subprocesses:
            workflow.delete_subprocess(tasks[tid])
    for tid in doomed:
        task = tasks.pop(tid)
        workflow.event_manager.tasks.pop(tid, None)
        task._children = []
    for node in [*chain[:cut], root]:
        node._children = [c for c in node._children if c not in doomed_set]
    oldest_kept = chain[cut - 1] if cut > 0 else anchor
    if oldest_kept._parent != root.id:
        oldest_kept._parent = root.id
        root._children = [oldest_kept.id] + [c for c in root._children if c != oldest_kept.id]
    if workflow.last_task is not None and workflow.last_task.id in doomed_set:
        completed = [t for t in [anchor, *chain[:cut]] if t.has_state(TaskState.COMPLETED)]
        workflow.last_task = completed[0] if completed else None
    return len(doomed)
