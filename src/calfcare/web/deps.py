"""What routes receive: the store, the runner they act for, today's date (a clock the tests can set)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from calfcare.store import Database
from calfcare.web.config import WebSettings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def get_runner(request: Request) -> str:
    """The runner this app serves: one runner on their own machine (``CALFCARE_RUNNER``, default ``me``)."""
    return get_settings(request).runner


def get_today(request: Request) -> date:
    day: date = request.app.state.clock()
    return day


async def posted_form(request: Request) -> FormData:
    """The posted form, read on the event loop, so the route itself can be a plain function run in the threadpool
    (the services block on the database; an ``async`` route calling them would stall every other request)."""
    return await request.form()


DbDep = Annotated[Database, Depends(get_db)]
RunnerDep = Annotated[str, Depends(get_runner)]
TodayDep = Annotated[date, Depends(get_today)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]
FormDep = Annotated[FormData, Depends(posted_form)]
