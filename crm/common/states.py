"""The one shape of a lifecycle: state → {action: next state}.

Every lifecycle of the product (NDAs, grants, deals, submissions, feedback triage) is a
`StateMachine`. Where people pick the next state itself (an NDA is "signed"), the action is
named after the state it leads to and `by_target` builds the table; where they act on a record
(a submission is "approved", "withdrawn"), actions and states differ. Either way the same
questions are answered the same way: what can happen from here, and may this happen now.
The refusal message is the caller's (it speaks of the record in the caller's words).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class StateMachine:
    name: str
    table: Mapping[str, Mapping[str, str]]

    @classmethod
    def by_target(cls, name: str, targets: Mapping[str, Iterable[str]]) -> StateMachine:
        """A lifecycle where each action is the state it leads to."""
        return cls(name, {state: {t: t for t in nexts} for state, nexts in targets.items()})

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self.table)

    def actions(self, state: str) -> tuple[str, ...]:
        """What may happen from `state`, in the table's order (empty when it is final)."""
        return tuple(self.table.get(state, {}))

    def targets(self, state: str) -> tuple[str, ...]:
        """The states reachable from `state` in one step, in the table's order."""
        return tuple(dict.fromkeys(self.table.get(state, {}).values()))

    def next(self, state: str, action: str) -> str | None:
        """The state after `action`, or None when the lifecycle does not allow it."""
        return self.table.get(state, {}).get(action)

    def allows(self, state: str, action: str) -> bool:
        return self.next(state, action) is not None

    def is_final(self, state: str) -> bool:
        return not self.table.get(state)
