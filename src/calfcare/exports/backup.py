"""The backup file: a zip of documented JSON, written and read (validated) here; no database.

Layout (``format_version`` 2)::

    manifest.json          format, format_version, schema_revision (Alembic head of the database it came from),
                           scope ("runner" or "all"), runners, created_at, and per table: file, columns, kinds,
                           rows, sha256 of the file
    tables/<table>.json    {"table": ..., "columns": [...], "rows": [[value, ...], ...]} in primary-key order
    originals/<id>/<name>  the runner's original activity files, exactly as received (new in version 2)
    README.txt             this description, for whoever opens the zip

Values are encoded by column kind: ``date`` and ``datetime`` as ISO 8601 (aware datetimes in UTC with
``+00:00``; naive ones as stored), ``binary`` as base64, ``json`` as the document itself, ``decimal`` as a
string, ``file`` as the path of a member of the zip that holds the file itself (the manifest's ``files`` gives its
size and SHA-256), everything else as the JSON number, string, boolean or null. :func:`read_backup` checks every
file against the manifest (present, checksum, row count, column kinds, each value's type) before anything is
restored, so a damaged or partial file is refused as a whole. Version 1 backups (no files) are read too.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, Literal, cast, get_args

from calfcare.activities import originals
from calfcare.errors import FieldProblem, InvalidInput

FORMAT = "calfcare-backup"
FORMAT_VERSION = 2
READS = (1, 2)  # version 1: before the original files were kept (no ``file`` kind)
Kind = Literal["int", "float", "decimal", "bool", "text", "date", "datetime", "binary", "json", "file"]
KINDS: tuple[str, ...] = get_args(Kind)
#: refuse zips whose members claim more than this, uncompressed (a decompression bomb)
MAX_UNCOMPRESSED = 8 * 1024**3

README = """calfcare backup
===============
manifest.json lists every table in this backup with its columns, the kind of each column, the number of rows
and the SHA-256 of its file, and the database schema revision (Alembic) the rows were read under.
tables/<name>.json holds {"table", "columns", "rows"}: one list of values per row, in primary-key order.
Kinds: date/datetime are ISO 8601 (aware datetimes in UTC), binary is base64, json is the stored document.
Activities are kept as their parsed summaries (table activities) and packed 1 Hz streams (table activity_streams,
encoding cc1:zlib, see calfcare.activities.streams_codec). The FIT/GPX/TCX files they were imported from are in
originals/<id>/<name>, exactly as received (table original_files lists them, activity_originals links them to
their activities); manifest.json "files" gives each one's size and SHA-256. Activities imported before calfcare
kept files, and Strava manual entries, have none.
Restore with: calfcare import-backup FILE.zip
"""

#: the folder of the zip that holds the files of each table with a ``file`` column
FILE_FOLDERS = {"original_files": "originals"}


@dataclass(frozen=True)
class FileValue:
    """The value of a ``file`` column: a file's name and its bytes as stored (``encoding``, see
    :mod:`calfcare.activities.originals`). In the zip it is the file itself, decoded: a runner who opens the backup
    finds their files.

    ``data`` may be left out and read by ``load`` when it is needed (one file at a time while a backup is written
    or restored, so years of activity files are never all in memory at once)."""

    name: str
    encoding: str = ""
    data: bytes | None = None
    load: Callable[[], tuple[str, bytes]] | None = field(default=None, compare=False, repr=False)

    def stored(self) -> tuple[str, bytes]:
        """(encoding, bytes as stored)."""
        if self.data is not None:
            return self.encoding, self.data
        if self.load is None:
            raise ValueError(f"the file {self.name} has neither data nor a way to read it")
        return self.load()

    def content(self) -> bytes:
        """The file as received."""
        return originals.decode(*self.stored())

    def loaded(self) -> FileValue:
        """The same file with its bytes read in."""
        encoding, data = self.stored()
        return FileValue(self.name, encoding, data)

    @classmethod
    def of(cls, name: str, content: bytes) -> FileValue:
        encoding, data = originals.encode(content)
        return cls(name, encoding, data)


@dataclass(frozen=True)
class TableDump:
    """One table's rows (Python values), with the kind of each column."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[Kind, ...]
    rows: list[tuple[Any, ...]]


#: tables of bearer secrets (stored as digests, unique): left out when a backup is restored as a copy
SECRET_TABLES = frozenset({"calendar_tokens", "signin_tokens", "share_codes", "api_tokens", "form_submissions"})
#: also left out of a copy: the runner's account (a username is unique; the copy is a record, not a login)
COPY_LEFT_OUT = SECRET_TABLES | {"users", "uploads"}


@dataclass(frozen=True)
class Backup:
    schema_revision: str
    scope: Literal["runner", "all"]
    runners: tuple[str, ...]
    created_at: datetime
    tables: tuple[TableDump, ...]
    left_out: tuple[str, ...] = field(default=())  # tables not part of a runner's data (scope "runner")

    def table(self, name: str) -> TableDump | None:
        return next((t for t in self.tables if t.name == name), None)

    def renamed(self, name: str) -> Backup:
        """The same backup with its one runner called ``name`` (restoring a runner's backup under another name,
        e.g. beside the original). Only a one-runner backup can be renamed."""
        if len(self.runners) != 1:
            raise ValueError(f"only a one-runner backup can be renamed; this one holds {len(self.runners)}")
        old = self.runners[0]
        tables = []
        for dump in self.tables:
            if dump.name in COPY_LEFT_OUT:  # a copy never shares the original's secrets, account or uploads
                dump = replace(dump, rows=[])
            elif dump.name == "runners" and "name" in dump.columns:
                at = dump.columns.index("name")
                rows = [tuple(name if i == at and v == old else v for i, v in enumerate(r)) for r in dump.rows]
                dump = replace(dump, rows=rows)
            tables.append(dump)
        return replace(self, runners=(name,), tables=tuple(tables))


def encode_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


def decode_value(kind: Kind, value: Any) -> Any:
    """The Python value of an encoded one; ValueError saying what was expected."""
    if value is None:
        return None
    if kind == "datetime":
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 date-time string")
        return datetime.fromisoformat(value)
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError("expected an ISO 8601 date string")
        return date.fromisoformat(value)
    if kind == "binary":
        if not isinstance(value, str):
            raise ValueError("expected base64 text")
        try:
            return base64.b64decode(value.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise ValueError("expected base64 text") from exc
    if kind == "decimal":
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError("expected a decimal number") from exc
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected an integer")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    return value  # json: any document


def _folder(table: str) -> str:
    """The zip folder of a table's files."""
    return FILE_FOLDERS.get(table, f"files/{table}")


def _member(table: str, key: Any, name: str) -> str:
    return f"{_folder(table)}/{key}/{originals.file_name(name)}"


#: called after each file written into a backup: (files written, files in the backup)
FileProgress = Callable[[int, int], None]


def _write_files(
    zf: zipfile.ZipFile, t: TableDump, files: dict[str, Any], total: int, progress: FileProgress | None
) -> list[list[Any]]:
    """The table's rows as JSON values, its ``file`` values written into the zip (one at a time: a backup of years
    of activities never holds every file decoded at once)."""
    rows = []
    for number, row in enumerate(t.rows, start=1):
        out = []
        for kind, value in zip(t.kinds, row, strict=True):
            if kind == "file" and value is not None:
                if not isinstance(value, FileValue):
                    raise TypeError(f"expected a FileValue in {t.name}, got {type(value).__name__}")
                content = value.content()
                path = _member(t.name, row[0] if isinstance(row[0], int) else number, value.name)
                # a file that came gzipped is stored in the zip as it is (deflating it again costs time, saves nothing)
                packed = zipfile.ZIP_STORED if content.startswith(originals.GZIP_MAGIC) else zipfile.ZIP_DEFLATED
                zf.writestr(path, content, compress_type=packed)
                files[path] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
                out.append(path)
                if progress is not None:
                    progress(len(files), total)
            else:
                out.append(encode_value(kind, value))
        rows.append(out)
    return rows


def count_files(backup: Backup) -> int:
    return sum(
        1 for t in backup.tables for row in t.rows for k, v in zip(t.kinds, row, strict=True) if k == "file" and v
    )


def write_backup(backup: Backup) -> bytes:
    """The backup as zip bytes (deflated)."""
    buffer = io.BytesIO()
    write_backup_to(backup, buffer)
    return buffer.getvalue()


def write_backup_to(backup: Backup, out: BinaryIO, progress: FileProgress | None = None) -> int:
    """Write the backup zip into ``out`` (a file open for writing, or a buffer); the number of files it holds."""
    tables: dict[str, Any] = {}
    files: dict[str, Any] = {}
    total = count_files(backup)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for t in backup.tables:
            doc = {"table": t.name, "columns": list(t.columns), "rows": _write_files(zf, t, files, total, progress)}
            body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            name = f"tables/{t.name}.json"
            zf.writestr(name, body)
            tables[t.name] = {
                "file": name,
                "columns": list(t.columns),
                "kinds": list(t.kinds),
                "rows": len(t.rows),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": backup.schema_revision,
            "scope": backup.scope,
            "runners": list(backup.runners),
            "created_at": backup.created_at.astimezone(UTC).isoformat(),
            "tables": tables,
            "left_out": list(backup.left_out),
            "files": files,
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        zf.writestr("README.txt", README)
    return len(files)


def _refuse(source: str, problem: str, where: str = "") -> InvalidInput:
    return InvalidInput(
        f"{source}: not restored, nothing was written — this is not a complete calfcare backup",
        [FieldProblem(where, problem)],
    )


def read_backup(data: bytes | BinaryIO, *, source: str = "backup") -> Backup:
    """Parse and check a backup zip completely; :class:`InvalidInput` naming the file and the problem otherwise.

    ``data`` is the zip's bytes or a file open for reading. Every original file is checked (size and SHA-256) here,
    read through once; its value reads it again when it is restored, so ``data`` must stay open until then."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except zipfile.BadZipFile:
        raise _refuse(source, "not a zip file (or a truncated one)") from None
    try:
        return _read(zf, source)
    except BaseException:
        zf.close()
        raise


def _read(zf: zipfile.ZipFile, source: str) -> Backup:
    names = set(zf.namelist())
    in_memory = [i for i in zf.infolist() if not i.filename.startswith(_FILE_PREFIXES)]
    if sum(i.file_size for i in in_memory) > MAX_UNCOMPRESSED:
        raise _refuse(source, "the zip claims more than 8 GiB uncompressed; refused")
    if "manifest.json" not in names:
        raise _refuse(source, "no manifest.json (is this a calfcare backup?)")
    manifest = _load_json(zf, "manifest.json", source)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(source, f"format is not {FORMAT!r}", "manifest.json")
    if manifest.get("format_version") not in READS:
        raise _refuse(
            source,
            f"format_version {manifest.get('format_version')!r} is not one this calfcare reads "
            f"({', '.join(map(str, READS))}): made by a newer calfcare?",
            "manifest.json",
        )
    revision = manifest.get("schema_revision")
    scope = manifest.get("scope")
    runners = manifest.get("runners")
    tables = manifest.get("tables")
    if not isinstance(revision, str) or not revision:
        raise _refuse(source, "schema_revision is missing", "manifest.json")
    if scope not in ("runner", "all"):
        raise _refuse(source, "scope must be 'runner' or 'all'", "manifest.json")
    if not isinstance(runners, list) or not all(isinstance(r, str) for r in runners):
        raise _refuse(source, "runners must be a list of names", "manifest.json")
    if not isinstance(tables, dict) or not tables:
        raise _refuse(source, "tables is missing or empty", "manifest.json")
    try:
        created = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError:
        raise _refuse(source, "created_at is not an ISO date-time", "manifest.json") from None
    files = manifest.get("files") or {}
    if not isinstance(files, dict):
        raise _refuse(source, "files must be an object", "manifest.json")
    dumps = tuple(_read_table(zf, names, name, entry, source, files) for name, entry in tables.items())
    left_out = manifest.get("left_out") or []
    return Backup(
        schema_revision=revision,
        scope=cast(Literal["runner", "all"], scope),
        runners=tuple(runners),
        created_at=created,
        tables=dumps,
        left_out=tuple(str(x) for x in left_out) if isinstance(left_out, list) else (),
    )


def _load_json(zf: zipfile.ZipFile, name: str, source: str) -> Any:
    try:
        return json.loads(zf.read(name).decode("utf-8"))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(source, f"cannot be read from the zip ({exc})", name) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(source, f"is not valid JSON ({exc})", name) from None


#: members that are files (read one at a time, never all at once: not in the 8 GiB cap)
_FILE_PREFIXES = (*(f"{folder}/" for folder in FILE_FOLDERS.values()), "files/")
_CHUNK = 1 << 20


def _member_bytes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> bytes:
    """A member's bytes, never more than its declared size (a member that inflates beyond it is refused)."""
    try:
        with zf.open(info) as fh:
            content = fh.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise _refuse(source, f"cannot be read from the zip ({exc})", info.filename) from None
    if len(content) != info.file_size:
        raise _refuse(source, "its size differs from what the zip says (damaged)", info.filename)
    return content


def _read_file(
    zf: zipfile.ZipFile, table: str, value: Any, files: dict[str, Any], source: str, where: str
) -> FileValue:
    """A ``file`` value: the member it names, checked against the manifest's size and checksum (streamed through,
    not kept); the value reads it again when it is restored."""
    folder = _folder(table)
    if not isinstance(value, str) or not value.startswith(folder + "/") or value.count("/") != folder.count("/") + 2:
        raise _refuse(source, f"expected the path of a file under {folder}/", where)
    entry = files.get(value)
    if not isinstance(entry, dict):
        raise _refuse(source, f"{value} is not listed in the manifest's files", where)
    try:
        info = zf.getinfo(value)
    except KeyError:
        raise _refuse(source, "missing from the zip (a partial backup)", value) from None
    if info.file_size != entry.get("size"):
        raise _refuse(source, "its size or checksum differs from the manifest (damaged or edited)", value)
    digest = hashlib.sha256()
    seen = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                seen += len(chunk)
                if seen > info.file_size:
                    break
                digest.update(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise _refuse(source, f"cannot be read from the zip ({exc})", value) from None
    if seen != info.file_size or digest.hexdigest() != entry.get("sha256"):
        raise _refuse(source, "its size or checksum differs from the manifest (damaged or edited)", value)

    def load() -> tuple[str, bytes]:
        return originals.encode(_member_bytes(zf, info, source))

    return FileValue(value.rsplit("/", 1)[1], load=load)


def _read_table(
    zf: zipfile.ZipFile, names: set[str], name: str, entry: Any, source: str, files: dict[str, Any]
) -> TableDump:
    where = f"manifest.json tables.{name}"
    if not isinstance(entry, dict):
        raise _refuse(source, "expected an object", where)
    file, columns, kinds = entry.get("file"), entry.get("columns"), entry.get("kinds")
    if not isinstance(file, str) or file != f"tables/{name}.json":
        raise _refuse(source, f"file must be tables/{name}.json", where)
    if file not in names:
        raise _refuse(source, "missing from the zip (a partial backup)", file)
    if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
        raise _refuse(source, "columns must be a non-empty list of names", where)
    if not isinstance(kinds, list) or len(kinds) != len(columns) or not all(k in KINDS for k in kinds):
        raise _refuse(source, f"kinds must give one of {', '.join(KINDS)} per column", where)
    try:
        body = zf.read(file)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _refuse(source, f"cannot be read from the zip ({exc})", file) from None
    if hashlib.sha256(body).hexdigest() != entry.get("sha256"):
        raise _refuse(source, "its checksum differs from the manifest (damaged or edited)", file)
    doc = _load_json(zf, file, source)
    if not isinstance(doc, dict) or doc.get("table") != name or doc.get("columns") != columns:
        raise _refuse(source, "table name or columns differ from the manifest", file)
    rows = doc.get("rows")
    if not isinstance(rows, list) or len(rows) != entry.get("rows"):
        raise _refuse(source, f"expected {entry.get('rows')} rows as a list", file)
    typed_kinds = cast(Sequence[Kind], kinds)
    out: list[tuple[Any, ...]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(columns):
            raise _refuse(source, f"expected a list of {len(columns)} values", f"{file} row {i + 1}")
        values = []
        for col, kind, value in zip(columns, typed_kinds, row, strict=True):
            where = f"{file} row {i + 1} column {col}"
            if kind == "file" and value is not None:
                values.append(_read_file(zf, name, value, files, source, where))
                continue
            try:
                values.append(decode_value(kind, value))
            except ValueError as exc:
                raise _refuse(source, str(exc), where) from None
        out.append(tuple(values))
    return TableDump(name=name, columns=tuple(columns), kinds=tuple(typed_kinds), rows=out)
