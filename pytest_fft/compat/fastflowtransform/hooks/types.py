"""``fastflowtransform.hooks.types``: the shapes of a hook's context (for annotations)."""

from pytest_fft.project.hooks import (
    HookContext,
    ModelContext,
    ModelStatsContext,
    RunContext,
    RunStatsContext,
)

__all__ = ["HookContext", "ModelContext", "ModelStatsContext", "RunContext", "RunStatsContext"]
