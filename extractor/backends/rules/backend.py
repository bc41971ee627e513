"""The rules backend behind the `Backend` interface: offline, deterministic, no key."""

from __future__ import annotations

from ..base import Candidates, Task
from . import RULES_VERSION, read_rules


class RulesBackend:
    """`Backend` that reads articles with `read_rules`; grounding, normalization and output are shared."""

    name = "rules"
    model = "rules"
    prompt_version = RULES_VERSION

    async def read(self, task: Task) -> Candidates:
        # A few milliseconds of CPU: running it inline beats handing it to a thread.
        return Candidates(response=read_rules(task.text), backend=self.name, model=self.model,
                          prompt_version=self.prompt_version, mode=None, attempts=0)

    async def aclose(self) -> None:
        return None
