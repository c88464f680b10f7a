"""The step loop: visit nodes, run actions, route, follow exits, push/pop child runs, begin waits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from upesi.flows.clock import iso
from upesi.flows.definition import Flow, Node
from upesi.flows.runs import Run, Step

if TYPE_CHECKING:
    from upesi.flows.session import Session

MAX_STEPS_PER_SPRINT = 100
MAX_RUNS_PER_SESSION = 500


class ChildStarted:
    """Returned by enter_flow: the parent pauses while a run of this flow goes (or ends, if terminal)."""

    def __init__(self, flow: Flow, terminal: bool) -> None:
        self.flow = flow
        self.terminal = terminal


def new_run(session: Session, flow: Flow, parent: Run | None, terminal: bool = False) -> Run:
    now = session.now()
    run = Run(
        uuid=session.new_uuid(),
        flow=flow,
        flow_ref=flow.reference(),
        status="active",
        created_on=now,
        modified_on=now,
        parent_uuid=parent.uuid if parent else "",
    )
    session.runs.append(run)
    if parent is None and session.pending_trigger_input:
        run.had_input = True  # a message trigger's message is this run's input
    event: dict[str, Any] = {"type": "run_started", "run_uuid": run.uuid, "flow": flow.reference()}
    if parent is not None:
        event["parent_uuid"] = parent.uuid
        if terminal:
            event["terminal"] = True
    elif session.trigger.get("type") == "flow_action" and (session.trigger.get("run_summary") or {}).get(
        "uuid"
    ):
        event["parent_uuid"] = session.trigger["run_summary"]["uuid"]
    session.log(event)
    return run


def start_flow(session: Session, flow: Flow, parent: Run | None = None) -> None:
    run = new_run(session, flow, parent)
    execute(session, run, flow.nodes[0].uuid if flow.nodes else None)


def end_run(session: Session, run: Run, status: str) -> None:
    now = session.now()
    run.status = status
    run.exited_on = now
    run.modified_on = now
    session.log({"type": "run_ended", "run_uuid": run.uuid, "flow": dict(run.flow_ref), "status": status})


def fail_session(session: Session, text: str, waiting_first: bool = False) -> None:
    """A failure event, then the runs still going fail. As goflow: while running, the failure bubbles up
    from the innermost run (children are after their parents in session.runs); when a resume can't
    start (waiting_first), the waiting run fails first, then the others in order."""
    session.log({"type": "failure", "text": text})
    going = [r for r in session.runs if r.status in ("active", "waiting")]
    if waiting_first:
        going.sort(key=lambda r: r.status != "waiting")
    else:
        going.reverse()
    for r in going:
        end_run(session, r, "failed")
    session.status = "failed"
    session.wait = None


def execute(session: Session, run: Run, dest: str | None, resume_node: Node | None = None) -> None:
    """Continue `run` at node `dest` until the session waits, completes or fails.

    If resume_node is given, that node's router is routed first without re-running its actions or
    beginning its wait again (how a resumed or popped-to run continues).
    """
    pending: Node | None = resume_node
    while True:
        if session.status == "failed":
            return
        if pending is not None:
            node = pending
            pending = None
            exit_uuid = route_node(session, run, node, resuming=True)
            if session.status == "failed":
                return
            dest = take_exit(session, run, node, exit_uuid)
            continue
        if dest is None:
            if run.status in ("active", "waiting"):
                end_run(session, run, "completed")
            parent = session.parent_of(run)
            if parent is None or parent.status not in ("active", "waiting"):
                session.status = "completed"
                session.wait = None
                return
            run = parent
            run.status = "active"
            step = run.current_step
            if run.flow is None or step is None:
                dest = None
                continue
            pending = run.flow.node(step.node_uuid)
            if pending is None:
                dest = None
            continue
        if run.flow is None:
            return
        found = run.flow.node(dest)
        if found is None:
            fail_session(session, f"unable to find destination node {dest}")
            return
        node = found
        session.steps_this_sprint += 1
        if session.steps_this_sprint > MAX_STEPS_PER_SPRINT:
            fail_session(session, f"Reached maximum number of steps per sprint ({MAX_STEPS_PER_SPRINT})")
            return
        outcome = visit_node(session, run, node)
        if session.status == "failed":
            return
        if isinstance(outcome, ChildStarted):
            if outcome.terminal:
                end_run(session, run, "completed")
            run = new_run(session, outcome.flow, run, outcome.terminal)
            dest = run.flow.nodes[0].uuid if run.flow and run.flow.nodes else None
            continue
        if outcome is None:
            session.status = "waiting"
            return
        dest = take_exit(session, run, node, outcome)


def visit_node(session: Session, run: Run, node: Node) -> str | ChildStarted | None:
    """Run a node's actions and route it. Returns the exit uuid, a started child, or None when waiting."""
    now = session.now()
    session.last_operand = None
    session.last_node_uuid = node.uuid
    run.path.append(Step(session.new_uuid(), node.uuid, now))
    run.modified_on = now
    child: ChildStarted | None = None
    for action in node.actions:
        res = actions.execute_action(session, run, node, action)
        if session.status == "failed":
            return None
        if isinstance(res, ChildStarted):
            child = res  # the child starts once the node's other actions have run
    if child is not None:
        return child
    if node.router is not None:
        if node.router.wait is not None:
            if begin_wait(session, run, node):
                return None
        return route_node(session, run, node, resuming=False)
    return node.exits[0].uuid if node.exits else None


def take_exit(session: Session, run: Run, node: Node, exit_uuid: str | None) -> str | None:
    ex = node.exit(exit_uuid) if exit_uuid else None
    step = run.current_step
    if step is not None and ex is not None:
        step.exit_uuid = ex.uuid
    dest = ex.destination_uuid if ex else None
    # like goflow, a segment starts at the last node visited in the sprint: when a parent continues
    # after its child ended, that is the child's last node
    seg: dict[str, Any] = {
        "flow_uuid": run.flow_ref.get("uuid"),
        "node_uuid": session.last_node_uuid or node.uuid,
        "exit_uuid": exit_uuid,
        "destination_uuid": dest,
        "time": iso(session.now()),
    }
    operand = session.last_operand
    if operand:
        seg["operand"] = operand
        session.last_operand = None
    if dest is not None:
        session.sprint.segments.append(seg)
        session.last_node_uuid = None
    return dest


# imported last, and not inside the functions that use them (the step loop is hot): these modules import
# from this one
import upesi.flows.actions as actions  # noqa: E402  (a module: it may be half-initialised here)
from upesi.flows.routers import route_node  # noqa: E402
from upesi.flows.waits import begin_wait  # noqa: E402
