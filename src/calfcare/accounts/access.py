"""Who may see and change a runner's record.

* A **runner** account owns one runner record: full read and write of it, nothing else.
* A **clinician** sees a runner only while that runner shares with them (the share not revoked), read-only for
  the runner's own data; they may take the clinician actions (notes, clearing a red flag, holding or setting the
  phase, pain ceilings), each of which is audited.
* An **admin** manages accounts. An admin is not a clinician: reading a runner's health record needs a share like
  anyone else (least privilege; the admin of a club is often a coach, not the runner's physiotherapist).

An API token narrows its owner's rights to ``read`` or ``write`` scope; it never widens them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Role = Literal["runner", "clinician", "admin"]
ROLES: tuple[Role, ...] = ("runner", "clinician", "admin")
Scope = Literal["read", "write"]
Action = Literal["read", "write", "clinician_action", "manage_accounts"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user (``scope='write'``) or an API token of theirs (its own scope)."""

    user_id: int
    username: str
    role: Role
    runner_id: int | None = None
    scope: Scope = "write"


def may(principal: Principal, action: Action, *, runner_id: int | None, shared_with: Collection[int] = ()) -> bool:
    """Whether ``principal`` may take ``action`` on the record of ``runner_id``.

    ``shared_with`` holds the user ids of the clinicians the runner currently shares with (only needed when the
    principal is a clinician).
    """
    if action != "read" and principal.scope == "read":
        return False
    if action == "manage_accounts":
        return principal.role == "admin"
    if runner_id is None:
        return False
    if principal.role == "runner":
        return principal.runner_id == runner_id and action in ("read", "write")
    if principal.role == "clinician":
        return principal.user_id in shared_with and action in ("read", "clinician_action")
    return False
