"""The profile a run uses: a record light enough to import without pydantic.

Its own module so that :mod:`~pytest_fft.project.profiles` (which validates, with pydantic)
and :mod:`~pytest_fft.project.profile_snapshot` (which reads validated profiles back without
it, and calls the former on a miss) do not import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResolvedProfile:
    """The profile a run uses, with the env name it came from."""

    env_name: str
    profile: Any  # a member of ``pytest_fft.project.profiles.Profile``, or its ProfileView

    @property
    def engine(self) -> str:
        return self.profile.engine

    @property
    def vars(self) -> Mapping[str, Any]:
        """The profile's ``vars:`` block (values for ``var()`` in models); empty without one."""
        found = getattr(self.profile, "vars", None)
        return dict(found) if isinstance(found, Mapping) else {}
