"""A runner's records as a whole: back them up, restore them elsewhere, erase them.

Written over the live schema, not a list of models: the tables are reflected from the database, and a table
belongs to a runner when a chain of foreign keys leads from it to ``runners`` (directly, like ``episodes``, or
through another table, like ``activity_streams`` → ``activities``). A table added by a later migration is
therefore backed up, restored and deleted with no change here; :func:`unowned_tables` lists any table that no
foreign-key path ties to a runner (such a table is only in an "all runners" backup, and never deleted).

A runner's original activity files are rows too (``original_files``, compressed): in the backup zip each is the
file itself, exactly as received (``originals/<id>/<name>``, see :data:`FILE_COLUMNS`), and deletion erases them
with the other rows. calfcare writes no file of a runner to disk, so there is nothing else to erase.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Column, Connection, MetaData, Table, func, null, or_, select, text, true
from sqlalchemy import types as sqltypes
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from calfcare.errors import Conflict, InvalidInput, NotFound, StorageError
from calfcare.exports.backup import (
    Backup,
    FileProgress,
    FileValue,
    Kind,
    TableDump,
    read_backup,
    write_backup_to,
)
from calfcare.store import Database
from calfcare.store.db import alembic_config, head_revision

RUNNERS = "runners"
SKIP = frozenset({"alembic_version"})
#: tables of the deployment, not of any runner: one-time sign-in links of `serve --lan`, sign-in throttling and the
#: admin's settings. They are in an all-runners backup but never in one runner's, and a runner's deletion leaves them.
DEPLOYMENT_TABLES = frozenset({"signin_tokens", "sign_in_failures", "app_settings"})
#: left out of ONE runner's backup: their shares point at this deployment's clinician accounts, which another
#: database does not have (the runner shares again after a restore); in an all-runners backup they are kept
RUNNER_SCOPE_LEFT_OUT = frozenset({"shares"})
#: links to accounts outside one runner's backup, cut to NULL in it (the audit log keeps who acted, by name)
RUNNER_SCOPE_UNLINKED = {"audit_events": "actor_id", "clinician_events": "clinician_id"}
#: prefixes of tables another library keeps in the same database (procrastinate's job queue): never backed up
FOREIGN_PREFIXES = ("procrastinate_",)
#: columns holding a file: (bytes column, name column, encoding column). In a backup each is the file itself (a
#: member of the zip, as received), not base64 in the table's JSON; restored, it is stored encoded again.
FILE_COLUMNS = {"original_files": ("data", "name", "encoding")}


def reflect(conn: Connection) -> MetaData:
    """Every table of the database (but Alembic's own), as it is now."""
    md = MetaData()
    md.reflect(bind=conn)
    for name in [n for n in md.tables if n in SKIP or n.startswith(FOREIGN_PREFIXES)]:
        md.remove(md.tables[name])
    return md


def _single_fks(table: Table) -> list[tuple[Column[Any], Table, Column[Any]]]:
    """(column, referred table, referred column) of each one-column foreign key of ``table``."""
    out = []
    for fk in table.foreign_key_constraints:
        if len(fk.elements) == 1:
            el = fk.elements[0]
            out.append((el.parent, el.column.table, el.column))
    return out


def _levels(md: MetaData) -> dict[str, int]:
    """How many foreign-key hops each table is from ``runners`` (tables with no path are absent)."""
    if RUNNERS not in md.tables:
        raise StorageError("the database has no runners table: is it a calfcare database?")
    levels = {RUNNERS: 0}
    changed = True
    while changed:
        changed = False
        for table in md.sorted_tables:
            if table.name in levels:
                continue
            refs = [levels[ref.name] for _, ref, _ in _single_fks(table) if ref.name in levels]
            if refs:
                levels[table.name] = min(refs) + 1
                changed = True
    return levels


def _cut_outside_links(dump: TableDump) -> TableDump:
    column = RUNNER_SCOPE_UNLINKED.get(dump.name)
    if column is None or column not in dump.columns:
        return dump
    at = dump.columns.index(column)
    return replace(dump, rows=[tuple(None if i == at else v for i, v in enumerate(row)) for row in dump.rows])


def unowned_tables(md: MetaData) -> list[str]:
    """Tables no foreign-key path ties to a runner, other than the deployment's own (:data:`DEPLOYMENT_TABLES`)."""
    levels = _levels(md)
    return sorted(t for t in md.tables if t not in levels and t not in DEPLOYMENT_TABLES)


def owned_clause(md: MetaData, table: Table, runner_ids: Iterable[int]) -> ColumnElement[bool]:
    """Rows of ``table`` that belong to one of ``runner_ids``: any of its foreign keys leading (by a shorter path)
    to a row of theirs."""
    ids = list(runner_ids)
    levels = _levels(md)
    if table.name == RUNNERS:
        return table.c.id.in_(ids)
    if table.name not in levels:
        raise StorageError(f"table {table.name} is not tied to a runner")
    mine = levels[table.name]
    parts: list[ColumnElement[bool]] = []
    for col, ref, ref_col in _single_fks(table):
        if ref.name not in levels or levels[ref.name] >= mine:
            continue
        if ref.name == RUNNERS:
            parts.append(col.in_(ids))
        else:
            parts.append(col.in_(select(ref_col).where(owned_clause(md, ref, ids))))
    return or_(*parts)


def _kind(col: Column[Any]) -> Kind:
    t = col.type
    if isinstance(t, sqltypes.JSON):
        return "json"
    if isinstance(t, sqltypes.DateTime):
        return "datetime"
    if isinstance(t, sqltypes.Date):
        return "date"
    if isinstance(t, sqltypes._Binary):
        return "binary"
    if isinstance(t, sqltypes.Boolean):
        return "bool"
    if isinstance(t, sqltypes.Integer):
        return "int"
    if isinstance(t, sqltypes.Float):
        return "float"
    if isinstance(t, sqltypes.Numeric):
        return "decimal"
    if isinstance(t, sqltypes.String):
        return "text"
    raise StorageError(f"column {col.table.name}.{col.name} has a type the backup does not know: {t}")


def _runner_ids(conn: Connection, md: MetaData, names: Iterable[str]) -> dict[str, int]:
    runners = md.tables[RUNNERS]
    found = {}
    for name in names:
        rid = conn.scalar(select(runners.c.id).where(runners.c.name == name))
        if rid is None:
            raise NotFound(f"no runner called {name!r}")
        found[name] = int(rid)
    return found


def _dump(conn: Connection, md: MetaData, table: Table, where: ColumnElement[bool]) -> TableDump:
    cols = tuple(table.columns)
    names = tuple(c.name for c in cols)
    order = list(table.primary_key.columns) or list(cols)
    kinds = tuple(_kind(c) for c in cols)
    if table.name not in FILE_COLUMNS:
        rows = [tuple(r) for r in conn.execute(select(*cols).where(where).order_by(*order))]
        return TableDump(table.name, names, kinds, rows)
    # the files themselves are read when the backup is written, one at a time, in the same transaction
    data, name, _encoding = (names.index(c) for c in FILE_COLUMNS[table.name])
    pk = _surrogate_pk(table)
    if pk is None:
        raise StorageError(f"table {table.name} holds files but has no id to read them by")
    listed = [c if i != data else null().label(c.name) for i, c in enumerate(cols)]
    at = names.index(pk.name)
    rows = [
        tuple(
            FileValue(r[name], load=_file_loader(conn, table, pk, r[at])) if i == data else v for i, v in enumerate(r)
        )
        for r in conn.execute(select(*listed).where(where).order_by(*order))
    ]
    return TableDump(table.name, names, tuple("file" if i == data else k for i, k in enumerate(kinds)), rows)


def _file_loader(conn: Connection, table: Table, pk: Column[Any], key: Any) -> Callable[[], tuple[str, bytes]]:
    data, _name, encoding = FILE_COLUMNS[table.name]

    def load() -> tuple[str, bytes]:
        row = conn.execute(select(table.c[encoding], table.c[data]).where(pk == key)).one()
        return str(row[0]), bytes(row[1])

    return load


def _stored_file(row: dict[str, Any], table: str) -> dict[str, Any]:
    """A row whose file column holds a :class:`FileValue`, as the table stores it (bytes and their encoding)."""
    data, _name, encoding = FILE_COLUMNS[table]
    value = row.get(data)
    if isinstance(value, FileValue):
        row[encoding], row[data] = value.stored()
    return row


@contextmanager
def _snapshot(db: Database, runner: str | None) -> Iterator[Backup]:
    """Every row of ``runner`` (every row of every runner, and the tables of no runner, when ``runner`` is None),
    read in one transaction that stays open while the caller uses the backup: its files are read from it one at a
    time (:class:`FileValue` ``load``), not all at once."""
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if db.is_sqlite:  # pysqlite starts no transaction for reads: ask for one, so all tables are one snapshot
                conn.exec_driver_sql("BEGIN")
            md = reflect(conn)
            levels = _levels(md)
            revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
            if runner is None:
                names = tuple(str(n) for n in conn.scalars(select(md.tables[RUNNERS].c.name).order_by(text("id"))))
                dumps = tuple(_dump(conn, md, t, true()) for t in md.sorted_tables)
                left_out: tuple[str, ...] = ()
            else:
                ids = _runner_ids(conn, md, [runner])
                names = (runner,)
                owned = [t for t in md.sorted_tables if t.name in levels]
                dumps = tuple(
                    _cut_outside_links(_dump(conn, md, t, owned_clause(md, t, ids.values())))
                    for t in owned
                    if t.name not in RUNNER_SCOPE_LEFT_OUT
                )
                left_out = tuple(sorted(t for t in md.tables if t not in levels or t in RUNNER_SCOPE_LEFT_OUT))
            yield Backup(
                schema_revision=str(revision),
                scope="all" if runner is None else "runner",
                runners=names,
                created_at=datetime.now(UTC),
                tables=dumps,
                left_out=left_out,
            )


def _loaded(backup: Backup) -> Backup:
    """The backup with every file's bytes read in (it no longer needs its database or zip)."""
    tables = []
    for t in backup.tables:
        if "file" in t.kinds:
            rows = [tuple(v.loaded() if isinstance(v, FileValue) else v for v in row) for row in t.rows]
            t = replace(t, rows=rows)
        tables.append(t)
    return replace(backup, tables=tuple(tables))


def gather_backup(*, db: Database, runner: str | None) -> Backup:
    """Every row of ``runner`` (of everyone when None), read in one transaction, files included (in memory: to write
    a backup, :func:`write_backup_file` reads them one at a time)."""
    with _snapshot(db, runner) as backup:
        return _loaded(backup)


def write_backup_file(*, db: Database, runner: str | None, out: BinaryIO, progress: FileProgress | None = None) -> int:
    """Write the backup zip of ``runner`` (of everyone when None) into ``out``, reading one original file at a time
    from the snapshot; the number of original files in it. ``progress(done, total)`` after each file."""
    with _snapshot(db, runner) as backup:
        return write_backup_to(backup, out, progress)


def backup_bytes(*, db: Database, runner: str | None) -> bytes:
    """The backup zip of one runner, or of everyone (``runner=None``), as bytes."""
    buffer = io.BytesIO()
    write_backup_file(db=db, runner=runner, out=buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RestoreOutcome:
    runners: tuple[str, ...]
    rows: dict[str, int]
    from_revision: str
    migrated: bool  # the backup came from an older schema and was migrated on the way in
    renumbered: bool  # ids were taken by other records, so the restored ones got new ids

    def to_dict(self) -> dict[str, Any]:
        return {
            "runners": list(self.runners),
            "rows": self.rows,
            "from_revision": self.from_revision,
            "migrated": self.migrated,
            "renumbered": self.renumbered,
        }


def _revision_known(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    from calfcare.store.db import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return any(r.revision == revision for r in script.walk_revisions())


def _to_db_value(value: Any, col: Column[Any], *, sqlite: bool) -> Any:
    if isinstance(value, datetime):
        aware = isinstance(col.type, sqltypes.DateTime) and bool(col.type.timezone) and not sqlite
        if aware:
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return value


def _insert(
    conn: Connection,
    md: MetaData,
    backup: Backup,
    offsets: dict[str, int],
    sqlite: bool,
    progress: FileProgress | None = None,
) -> dict[str, int]:
    """Insert every table of ``backup`` (ids shifted by ``offsets``, foreign keys with them) in dependency order."""
    counts: dict[str, int] = {}
    by_name = {t.name: t for t in backup.tables}
    files_done, files_total = 0, sum(len(by_name[n].rows) for n in FILE_COLUMNS if n in by_name)
    for table in md.sorted_tables:
        dump = by_name.get(table.name)
        if dump is None:
            continue
        shift: dict[str, int] = {}
        pk = _surrogate_pk(table)
        if pk is not None and offsets.get(table.name):
            shift[pk.name] = offsets[table.name]
        for col, ref, _ in _single_fks(table):
            if offsets.get(ref.name):
                shift[col.name] = offsets[ref.name]
        cols = [table.c[c] for c in dump.columns]
        rows = [
            {
                c.name: _to_db_value(v + shift[c.name] if c.name in shift and v is not None else v, c, sqlite=sqlite)
                for c, v in zip(cols, row, strict=True)
            }
            for row in dump.rows
        ]
        batch = 500
        if table.name in FILE_COLUMNS:  # each batch's files read in just before it is inserted, a few at a time
            batch = 4
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            if table.name in FILE_COLUMNS:
                chunk = [_stored_file(dict(row), table.name) for row in chunk]
            conn.execute(table.insert(), chunk)
            if progress is not None and table.name in FILE_COLUMNS:
                files_done += len(chunk)
                progress(files_done, files_total)
        counts[table.name] = len(rows)
    return counts


def _surrogate_pk(table: Table) -> Column[Any] | None:
    """The table's own integer id (a one-column integer primary key that is not a foreign key), if it has one."""
    pks = list(table.primary_key.columns)
    if len(pks) == 1 and isinstance(pks[0].type, sqltypes.Integer) and not pks[0].foreign_keys:
        return pks[0]
    return None


def _check_fits(md: MetaData, backup: Backup, source: str) -> None:
    problems = []
    for dump in backup.tables:
        table = md.tables.get(dump.name)
        if table is None:
            problems.append(f"table {dump.name} does not exist in this database")
            continue
        problems += [
            f"column {dump.name}.{c} does not exist in this database" for c in dump.columns if c not in table.c
        ]
        for col in table.columns:
            if col.name not in dump.columns and not (col.nullable or col.server_default is not None):
                problems.append(f"column {dump.name}.{col.name} is required but not in the backup")
    if RUNNERS not in {t.name for t in backup.tables}:
        problems.append("the backup has no runners table")
    if problems:
        from calfcare.errors import FieldProblem

        raise InvalidInput(
            f"{source}: not restored, nothing was written — it does not fit this database's schema",
            [FieldProblem("", p) for p in problems],
        )


def _migrate_backup(backup: Backup, source: str) -> Backup:
    """A backup from an older schema, brought to the newest one: its rows are restored into a scratch SQLite
    database at the backup's revision, the migrations run over them, and they are read back out."""
    from alembic import command

    with tempfile.TemporaryDirectory(prefix="calfcare-restore-") as tmp:
        scratch = Database(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            with scratch.engine.begin() as conn:
                cfg = alembic_config(scratch.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, backup.schema_revision)
            with scratch.engine.begin() as conn:
                md = reflect(conn)
                _check_fits(md, backup, source)
                _insert(conn, md, backup, {}, sqlite=True)
            scratch.migrate()
            migrated = gather_backup(db=scratch, runner=None)  # files read in: the scratch database goes next
        finally:
            scratch.dispose()
    return Backup(
        schema_revision=migrated.schema_revision,
        scope=backup.scope,
        runners=backup.runners,
        created_at=backup.created_at,
        tables=tuple(t for t in migrated.tables if backup.table(t.name) is not None or t.rows),
        left_out=backup.left_out,
    )


def restore_backup(
    *,
    db: Database,
    data: bytes | BinaryIO,
    source: str = "backup",
    as_runner: str | None = None,
    progress: FileProgress | None = None,
) -> RestoreOutcome:
    """Restore a backup zip into ``db`` (empty or holding other runners) in one transaction: every table, with ids
    kept when they are free and shifted past the existing ones when not. A backup from an older schema revision is
    migrated first. Refuses (and writes nothing) a damaged or partial file, one from a newer calfcare, or a runner
    name already in ``db``. ``as_runner`` restores a one-runner backup under that name. ``data`` is the zip's bytes or
    a file open for reading (its original files are then read as they are restored, a few at a time);
    ``progress(done, total)`` follows the original files restored."""
    backup = read_backup(data, source=source)
    if as_runner is not None:
        if len(backup.runners) != 1:
            raise InvalidInput(
                f"--runner: {source} holds {len(backup.runners)} runners; only a one-runner backup can be restored "
                "under another name (nothing was written)"
            )
        if not as_runner.strip() or len(as_runner) > 200:
            raise InvalidInput("--runner: give a name of 1–200 characters")
        backup = backup.renamed(as_runner)
    from_revision = backup.schema_revision
    head = head_revision()
    migrated = False
    if from_revision != head:
        if not _revision_known(from_revision):
            raise InvalidInput(
                f"{source}: not restored, nothing was written — it was made with database schema "
                f"{from_revision!r}, which this calfcare does not know (newest known: {head!r}); restore it with a "
                "newer calfcare"
            )
        backup = _migrate_backup(backup, source)
        migrated = True
    sqlite = db.is_sqlite
    try:
        with db.engine.begin() as conn:
            _lock_for_writing(conn, sqlite=sqlite)
            md = reflect(conn)
            _check_fits(md, backup, source)
            runners = md.tables[RUNNERS]
            taken = [n for n in backup.runners if conn.scalar(select(runners.c.id).where(runners.c.name == n))]
            if taken:
                raise Conflict(
                    f"{source}: not restored, nothing was written — this database already has a runner called "
                    f"{', '.join(repr(n) for n in taken)}; delete it first (calfcare runner delete) or restore "
                    "into another database"
                )
            offsets = _offsets(conn, md, backup)
            counts = _insert(conn, md, backup, offsets, sqlite=sqlite, progress=progress)
            if not sqlite:
                _reset_sequences(conn, md, backup)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"{source}: not restored, nothing was written — the database refused it: {_why(exc)}"
        ) from exc
    return RestoreOutcome(
        runners=backup.runners,
        rows=counts,
        from_revision=from_revision,
        migrated=migrated,
        renumbered=any(offsets.values()),
    )


def _offsets(conn: Connection, md: MetaData, backup: Backup) -> dict[str, int]:
    """0 for every table when none of the backup's ids is taken; else, per table, the largest id in use (new ids
    then start after it)."""
    clash = False
    largest: dict[str, int] = {}
    for dump in backup.tables:
        table = md.tables[dump.name]
        pk = _surrogate_pk(table)
        if pk is None or not dump.rows:
            continue
        index = dump.columns.index(pk.name)
        ids = [row[index] for row in dump.rows]
        largest[dump.name] = int(conn.scalar(select(func.coalesce(func.max(pk), 0))) or 0)
        for start in range(0, len(ids), 500):
            if conn.scalar(select(func.count()).where(pk.in_(ids[start : start + 500]))):
                clash = True
    return largest if clash else {}


def _reset_sequences(conn: Connection, md: MetaData, backup: Backup) -> None:
    """PostgreSQL: move each id sequence past the ids just inserted (explicit ids do not advance it)."""
    for dump in backup.tables:
        pk = _surrogate_pk(md.tables[dump.name])
        if pk is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f"COALESCE((SELECT MAX({pk.name}) FROM {dump.name}), 0) + 1, false)"
            ),
            {"t": dump.name, "c": pk.name},
        )


def _lock_for_writing(conn: Connection, *, sqlite: bool) -> None:
    """SQLite: take the write lock before the first read, so what is checked is what is written (another writer
    waits, up to the busy timeout). PostgreSQL locks the rows it touches as it goes."""
    if sqlite:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _why(exc: SQLAlchemyError) -> str:
    """The driver's own words for a refusal (without the SQL and its parameters)."""
    return str(getattr(exc, "orig", None) or exc)


def delete_runner(*, db: Database, runner: str) -> dict[str, int]:
    """Erase every row of ``runner`` in every table tied to runners (their original activity files included),
    children first, in one transaction; the number of rows erased per table. calfcare writes no file of a runner to
    disk, so there is nothing else to erase."""
    try:
        with db.engine.begin() as conn:
            _lock_for_writing(conn, sqlite=db.is_sqlite)
            md = reflect(conn)
            ids = list(_runner_ids(conn, md, [runner]).values())
            if not db.is_sqlite:  # wait for (and then hold off) a check-in or import of this runner in progress
                runners = md.tables[RUNNERS]
                conn.execute(select(runners.c.id).where(runners.c.id.in_(ids)).with_for_update())
            levels = _levels(md)
            counts: dict[str, int] = {}
            for table in reversed(md.sorted_tables):
                if table.name not in levels:
                    continue
                done = conn.execute(table.delete().where(owned_clause(md, table, ids)))
                counts[table.name] = int(done.rowcount or 0)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"runner {runner!r} was not deleted, nothing changed — the database refused: {_why(exc)}"
        ) from exc
    return counts


def runner_rows(*, db: Database, runner: str) -> dict[str, int]:
    """How many rows of ``runner`` each table holds (what a deletion would erase)."""
    with db.engine.connect() as conn:
        md = reflect(conn)
        ids = list(_runner_ids(conn, md, [runner]).values())
        levels = _levels(md)
        return {
            t.name: int(conn.scalar(select(func.count()).select_from(t).where(owned_clause(md, t, ids))) or 0)
            for t in md.sorted_tables
            if t.name in levels
        }


__all__ = [
    "RestoreOutcome",
    "backup_bytes",
    "delete_runner",
    "gather_backup",
    "owned_clause",
    "reflect",
    "restore_backup",
    "runner_rows",
    "unowned_tables",
    "write_backup_file",
]
