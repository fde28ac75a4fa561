"""The runner's sharing pages (multi-user mode): make a one-time code for a clinician (shown once, with a link),
the list of shares with revoke, and the audit log — who did what to my record."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from calfcare.services import sharing
from calfcare.web.deps import CurrentPrincipal, DbDep, NowDep
from calfcare.web.render import page

router = APIRouter()


def _sharing_page(request: Request, db: DbDep, principal: CurrentPrincipal, code: dict[str, str] | None) -> Response:
    shares = sharing.shares_of_runner(db=db, principal=principal)
    link = None
    if code is not None:
        link = str(request.url_for("redeem_form").include_query_params(code=code["code"]))
    return page(request, "sharing.html", {"title": "Sharing", "shares": shares, "code": code, "link": link})


@router.get("/sharing")
def shares(request: Request, db: DbDep, principal: CurrentPrincipal) -> Response:
    return _sharing_page(request, db, principal, None)


@router.post("/sharing/code")
def new_code(request: Request, db: DbDep, principal: CurrentPrincipal, now: NowDep) -> Response:
    code = sharing.create_share_code(db=db, principal=principal, now=now)
    return _sharing_page(request, db, principal, code)  # shown once: only its digest is kept


@router.post("/sharing/{share_id}/revoke")
def revoke(share_id: int, db: DbDep, principal: CurrentPrincipal, now: NowDep) -> Response:
    sharing.revoke_share(db=db, principal=principal, share_id=share_id, now=now)
    return RedirectResponse("/sharing", status_code=303)


@router.get("/sharing/audit")
def audit(request: Request, db: DbDep, principal: CurrentPrincipal) -> Response:
    if principal.runner_id is None:
        from calfcare.errors import PermissionDenied

        raise PermissionDenied("only a runner has a record with an audit log")
    events = sharing.audit_log(db=db, principal=principal, runner_id=principal.runner_id)
    return page(request, "audit.html", {"title": "Who did what to my record", "events": events, "heading": None})
