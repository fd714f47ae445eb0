"""The kinds of nodes and the materializations a model can have: what the loader accepts
and what ``kind:`` and ``type:`` selectors name."""

from __future__ import annotations

NODE_KINDS = ("sql", "python", "seed", "check")
MATERIALIZATIONS = ("table", "view", "incremental", "ephemeral", "snapshot")
