"""Which runner record a request acts on, by name (the page builders take the runner's name): the signed-in
runner's own record, or a record shared with the signed-in clinician. Access is decided by
:func:`calfcare.services.sharing.authorise` (a record the principal cannot see is *not found*)."""

from __future__ import annotations

from calfcare.accounts.access import Action, Principal
from calfcare.errors import PermissionDenied
from calfcare.services.sharing import authorise
from calfcare.store import Database


def runner_name_for(*, db: Database, principal: Principal, runner_id: int | None, action: Action = "read") -> str:
    """The name of runner ``runner_id`` when ``principal`` may take ``action`` on it."""
    if runner_id is None:
        raise PermissionDenied("this account has no runner record")
    with db.session() as s:
        return authorise(s, principal, action, runner_id).name
