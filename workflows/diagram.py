"""A Mermaid state diagram of a workflow definition (for the API and documentation)."""

from __future__ import annotations

from workflows.definitions import Catalogue, WorkflowDef


def mermaid(workflow: WorkflowDef, cat: Catalogue, lang: str = "nl") -> str:
    lines = ["stateDiagram-v2"]
    for state in workflow.states:
        label = cat.state_label(state, lang).replace('"', "'")
        lines.append(f'    state "{label}" as {state}')
    lines.append(f"    [*] --> {workflow.stages[0].value}")
    for t in workflow.transitions:
        guard = f" [{t.guard.describe()}]" if t.guard else ""
        lines.append(f"    {t.source} --> {t.dest}: {t.event}{guard}")
    lines.append(f"    {workflow.done} --> [*]")
    return "\n".join(lines) + "\n"
