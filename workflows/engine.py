"""One cached `transitions` Machine per workflow, shared by all initiatives and fired unbound.

The machine never holds an initiative: each call fires the event on a throwaway subject that
carries the initiative's state, so the domain object changes only when the caller applies the
returned destination.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from transitions import Machine, MachineError

from tracker.domain.model import Initiative, Kind, Terminal
from workflows.definitions import TransitionDef, WorkflowDef, catalogue

# transitions logs every state change it makes at INFO ("Finished processing state ... exit
# callbacks"): two lines per step in a server's log, where the event log already records each
# step with its evidence. Its warnings and errors still show.
logging.getLogger("transitions").setLevel(logging.WARNING)


@dataclass(slots=True)
class _Subject:
    state: str
    initiative: Initiative


class TransitionRefused(Exception):
    """An event that the workflow does not allow now; `code` names the rule."""

    def __init__(self, code: str, event: str, state: str, allowed: list[str]) -> None:
        super().__init__(f"{code}: {event} from {state}")
        self.code = code
        self.event = event
        self.state = state
        self.allowed = allowed


class WorkflowEngine:
    def __init__(self, definition: WorkflowDef) -> None:
        self.definition = definition
        self.machine = Machine(
            model=None,
            states=list(definition.states),
            initial=definition.stages[0].value,
            transitions=[self._spec(t) for t in definition.transitions],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    @staticmethod
    def _spec(t: TransitionDef) -> dict[str, Any]:
        spec: dict[str, Any] = {"trigger": t.event, "source": t.source, "dest": t.dest}
        if t.guard is not None:
            guard = t.guard
            spec["conditions"] = [lambda event_data: guard(event_data.model.initiative)]
        return spec

    def fire(self, initiative: Initiative, event: str) -> str:
        """The state the initiative reaches with `event`, or TransitionRefused with the rule."""
        if event not in catalogue().events:
            code = "unknown_event"
        elif event not in self.machine.events:
            code = "not_in_workflow"
        elif initiative.state not in self.definition.states:
            code = "unknown_state"
        else:
            subject = _Subject(initiative.state, initiative)
            try:
                if self.machine.events[event].trigger(subject):
                    return subject.state
            except MachineError:
                pass
            code = "final_state" if self.is_final(initiative.state) else "not_allowed_now"
        # The allowed events are worked out only for a refusal, off the path of every step.
        raise TransitionRefused(code, event, initiative.state, self.allowed_events(initiative))

    def allowed_events(self, initiative: Initiative) -> list[str]:
        """The events that would move the initiative now, in workflow order."""
        allowed = []
        for event in self.machine.get_triggers(initiative.state):
            subject = _Subject(initiative.state, initiative)
            if self.machine.events[event].trigger(subject):
                allowed.append(event)
        return allowed

    def is_final(self, state: str) -> bool:
        return state in (self.definition.done, Terminal.WITHDRAWN.value)


@cache
def engine_for(kind: Kind) -> WorkflowEngine:
    return WorkflowEngine(catalogue().workflows[kind])
