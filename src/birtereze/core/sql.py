"""Lean statement execution for the hot paths: Core statements compiled once, run on the driver itself.

Through an ORM session every statement costs about 0.2 ms of CPU before the database sees it (the
session's state machine, the execution context, the result object, the greenlet hand-off of the async
adaption), and the unit of work's flush more again; the driver alone costs a third of that. The queue's
operations run a handful of statements per request, so this module keeps SQLAlchemy for what it does
best — writing one statement for both databases, with its types — and does the rest by hand:

- ``Statement`` wraps a Core statement and compiles it once per dialect into the SQL string, the order of
  its parameters, their defaults (literal values become bound parameters), and the bind and result
  processors of their types (a ``UTCDateTime`` on SQLite, booleans stored as integers, JSON);
- ``Tx`` is one transaction on one driver connection: ``rows``, ``first``, ``one``, ``scalar`` and
  ``execute`` run a ``Statement`` and turn rows into named tuples; it also collects the live events that
  are published once it has committed. A lean transaction of its own on PostgreSQL batches the writes
  whose outcome is not needed at once, and sends them in one statement (``Tx._flush``);
- ``Memo`` holds what a process keeps about a database between requests, for a few seconds;
- ``Db`` is what the queue's services accept: an ORM session (tests, jobs, the CLI, configuration routes)
  or a lean ``Tx`` (the hot routes). ``transaction(db)`` gives the ``Tx`` in both cases; on a session it
  is the session's own connection and transaction, so both can be mixed in one unit of work.

Expanding ``IN`` parameters are not supported: a hot statement takes a subquery or a fixed shape instead.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections import namedtuple
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, Dialect, Table, or_
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.util import find_tables
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any]
Row = Any  # a named tuple made per statement; its fields are the statement's column names


@dataclass(slots=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order (SQLite's "?"), None for named ("%(x)s")
    defaults: Mapping[str, Any]
    bind_processors: tuple[tuple[str, Processor], ...]
    result_types: tuple[Any, ...]
    row_type: type[tuple[Any, ...]] | None
    # Columns' Python-side defaults of an INSERT that leaves them out: (parameter, callable default).
    column_defaults: tuple[tuple[str, Callable[[Any], Any]], ...] = ()
    # The table an INSERT, UPDATE or DELETE writes, and whether it is an INSERT (None: a read).
    table: str | None = None
    inserts: bool = False
    # Every table the statement reads or writes.
    tables: frozenset[str] = frozenset()
    # Made on the first run: some types' processors depend on the database's type of the column (a
    # NUMERIC or a FLOAT read as a float, for one).
    result_processors: tuple[tuple[int, Processor], ...] | None = None

    def processors(
        self, dialect: Dialect, coltypes: Sequence[Any] | None
    ) -> tuple[tuple[int, Processor], ...]:
        if self.result_processors is None:
            found = []
            for index, type_ in enumerate(self.result_types):
                processor = type_._cached_result_processor(dialect, coltypes[index] if coltypes else None)
                if processor is not None:
                    found.append((index, processor))
            self.result_processors = tuple(found)
        return self.result_processors


class Statement:
    """A Core statement compiled once per dialect (see the module's docstring)."""

    __slots__ = ("_by_dialect", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        # By driver as well: the parameter style is the driver's ("$1" for asyncpg, "%(x)s" for psycopg).
        key = f"{dialect.name}+{dialect.driver}"
        found = self._by_dialect.get(key)
        if found is None:
            found = self._by_dialect[key] = _compile(self.statement, dialect)
        return found


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("IN with a list is not supported in a lean statement: use any_of() or a subquery")
    columns = compiled._result_columns
    defaults = dict(compiled.construct_params(_check=False))
    column_defaults = []
    for column in getattr(compiled, "insert_prefetch", ()):
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            raise ValueError(f"column {column.key}: only plain Python defaults in a lean insert")
        if default.is_scalar:
            defaults[column.key] = default.arg
        else:
            column_defaults.append((column.key, default.arg))
    return _Compiled(
        sql=compiled.string,
        positional=tuple(compiled.positiontup) if compiled.positional else None,
        defaults=defaults,
        column_defaults=tuple(column_defaults),
        bind_processors=tuple(compiled._bind_processors.items()),
        result_types=tuple(column.type for column in columns),
        row_type=_row_type([column.keyname for column in columns]) if columns else None,
        table=getattr(getattr(statement, "table", None), "name", None),
        inserts=bool(getattr(statement, "is_insert", False)),
        tables=frozenset(
            table.name
            for table in find_tables(
                cast(ClauseElement, statement),
                include_crud=True,
                include_joins=True,
                include_aliases=True,
                check_columns=True,
            )
            if isinstance(table, Table)
        ),
    )


def any_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN (values)`` for a fixed list, written so that it compiles to plain parameters."""
    return or_(*(column == value for value in values))


def _row_type(names: list[str]) -> type[tuple[Any, ...]]:
    row_type: type[tuple[Any, ...]] = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    return row_type


class Pending:
    """The rows of a statement sent later (``submit`` in a batching transaction), read when they are
    needed: after the next statement that uses its table, or the commit, at the latest."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Row] | None = None) -> None:
        self._rows = rows

    async def rows(self) -> list[Row]:
        return self.ready()

    def ready(self) -> list[Row]:
        if self._rows is None:
            raise RuntimeError("the statement's rows are not there yet: read them after the commit")
        return self._rows


@dataclass(slots=True)
class _Write:
    compiled: _Compiled
    parameters: tuple[Any, ...]
    pending: Pending | None


_BATCHES: Final[dict[tuple[tuple[int, bool], ...], str]] = {}


def _batch_sql(writes: tuple[_Compiled, ...], returning: tuple[bool, ...]) -> str:
    """One PostgreSQL statement running ``writes`` (compiled for asyncpg, parameters ``$n``) in its WITH
    clause; each write whose row is wanted gives its one column as ``r<index>``. Made once per shape."""
    shape = tuple(zip(map(id, writes), returning, strict=True))
    found = _BATCHES.get(shape)
    if found is not None:
        return found
    parts, columns, offset = [], [], 0
    for index, (write, wanted) in enumerate(zip(writes, returning, strict=True)):
        parts.append(f"w{index} AS ({_renumbered(write.sql, offset)})")
        if wanted:
            column = getattr(write.row_type, "_fields", ("",))[0]
            columns.append(f"(SELECT {column} FROM w{index}) AS r{index}")
        offset += len(write.positional or ())
    found = _BATCHES[shape] = f"WITH {', '.join(parts)} SELECT {', '.join(columns) or '1'}"
    return found


_PARAMETER: Final = re.compile(r"\$(\d+)")


def _renumbered(sql: str, offset: int) -> str:
    return _PARAMETER.sub(lambda match: f"${int(match.group(1)) + offset}", sql)


class Tx:
    """One transaction on one driver connection (asyncpg's ``Connection`` or aiosqlite's)."""

    __slots__ = ("_batch", "_open", "_sqlite", "dialect", "live", "memo", "raw", "visible")

    def __init__(
        self,
        dialect: Dialect,
        raw: Any,
        live: list[Any] | None = None,
        *,
        open: Callable[[], Awaitable[Any]] | None = None,
        memo: Memo | None = None,
    ) -> None:
        self.dialect = dialect
        # The driver connection; with ``open``, taken on the first statement (a route's other dependencies,
        # such as the bearer token check, may need the pool's only connection before that).
        self.raw = raw
        self._open = open
        self._sqlite = dialect.name == "sqlite"
        # Writes whose outcome is not needed yet, sent together (see ``_flush``); None: each at once.
        self._batch: list[_Write] | None = None
        # The live events appended in this transaction (core.events), published after it commits.
        self.live: list[Any] = live if live is not None else []
        # The caller's branch scope, where a route set it: rows of other branches are "not found".
        self.visible: Callable[[int], bool] | None = None
        # What this process keeps about the database between requests (see ``Memo``).
        self.memo: Memo = memo if memo is not None else Memo()

    def sees(self, branch_id: int) -> bool:
        return self.visible is None or self.visible(branch_id)

    @property
    def backend(self) -> str:
        return self.dialect.name

    def _parameters(self, compiled: _Compiled, params: Mapping[str, Any] | None) -> Any:
        values = {**compiled.defaults, **params} if params else dict(compiled.defaults)
        for name, make in compiled.column_defaults:
            if params is None or name not in params:
                values[name] = make(None)
        for name, processor in compiled.bind_processors:
            values[name] = processor(values[name])
        if compiled.positional is not None:
            return tuple(values[name] for name in compiled.positional)
        return values

    def _wrapped(self, error: Exception, sql: str, parameters: Any) -> Exception:
        """A driver's error as SQLAlchemy's (IntegrityError, DataError, OperationalError…), as the ORM path
        raises them, so that the same handlers answer (409, 400, 503)."""
        dbapi: Any = self.dialect.loaded_dbapi
        translate: Mapping[type, Any] | None = getattr(dbapi, "_asyncpg_error_translate", None)
        if translate is not None and not isinstance(error, dbapi.Error):
            # asyncpg's own exceptions, mapped as SQLAlchemy's adaption of the driver maps them.
            for kind in type(error).__mro__:
                if kind in translate:
                    adapted = translate[kind](error.args[0] if error.args else str(error), error)
                    adapted.__cause__ = error
                    error = adapted
                    break
        if not isinstance(error, dbapi.Error):
            return error
        wrapped: Exception = DBAPIError.instance(sql, parameters, error, dbapi.Error, dialect=self.dialect)
        return wrapped

    def _processed(self, compiled: _Compiled, raw_rows: Any) -> list[Row]:
        if not raw_rows:
            return []
        row_type: Any = compiled.row_type
        processors = compiled.result_processors
        if processors is None:
            processors = compiled.processors(self.dialect, None)
        if not processors:
            return [row_type._make(row) for row in raw_rows]
        result = []
        for raw_row in raw_rows:
            values = list(raw_row)
            for index, processor in processors:
                values[index] = processor(values[index])
            result.append(row_type._make(values))
        return result

    async def _run(self, statement: Statement, params: Mapping[str, Any] | None) -> list[Row]:
        compiled = statement.compiled(self.dialect)
        parameters = self._parameters(compiled, params)
        if self._batch and any(compiled.tables & write.compiled.tables for write in self._batch):
            # The statement reads or writes a table the batch writes (or reads): the batch goes first.
            await self._flush()
        try:
            if self.raw is None:
                assert self._open is not None
                await self._open()
            if self._sqlite:
                if compiled.row_type is None:
                    await (await self.raw.execute(compiled.sql, parameters)).close()
                    return []
                return self._processed(compiled, await self.raw.execute_fetchall(compiled.sql, parameters))
            if compiled.row_type is None:
                await self.raw.execute(compiled.sql, *parameters)
                return []
            if compiled.result_processors is None:
                await self._learn_types(compiled)
            return self._processed(compiled, await self.raw.fetch(compiled.sql, *parameters))
        except Exception as error:
            wrapped = self._wrapped(error, compiled.sql, parameters)
            if wrapped is error:
                raise
            raise wrapped from error

    async def _learn_types(self, compiled: _Compiled) -> None:
        # Once per statement and process: the columns' types, which some processors depend on.
        prepared = await self.raw.prepare(compiled.sql)
        compiled.processors(self.dialect, [a.type.oid for a in prepared.get_attributes()])

    def _defer(self, statement: Statement, params: Mapping[str, Any] | None, pending: Pending | None) -> bool:
        """Keep a write for the next batch, if this transaction batches and the write allows it (with
        ``pending``: an INSERT of one row returning one column, whose value ``pending`` receives)."""
        if self._batch is None:
            return False
        compiled = statement.compiled(self.dialect)
        if compiled.table is None:
            return False
        if pending is not None and not (compiled.inserts and len(compiled.result_types) == 1):
            return False
        self._batch.append(_Write(compiled, self._parameters(compiled, params), pending))
        return True

    async def _flush(self) -> None:
        """Send the batched writes: on PostgreSQL, one statement whose WITH clause holds them all.

        The writes of one statement share its snapshot and do not see one another's rows; so a batch
        holds at most one write per table, in order, and a statement that uses a table of the batch waits
        until it is sent: what each write and read sees is what it would have seen one by one.
        """
        batch, self._batch = self._batch or [], []
        while batch:
            tables: set[str] = set()
            part: list[_Write] = []
            while batch and batch[0].compiled.table not in tables:
                tables.add(batch[0].compiled.table or "")
                part.append(batch.pop(0))
            await self._send_batch(part)

    async def _send_batch(self, part: list[_Write]) -> None:
        sql = _batch_sql(tuple(write.compiled for write in part), tuple(w.pending is not None for w in part))
        parameters = tuple(value for write in part for value in write.parameters)
        try:
            if self.raw is None:
                assert self._open is not None
                await self._open()
            if not any(write.pending is not None for write in part):
                await self.raw.execute(sql, *parameters)
                return
            row = await self.raw.fetchrow(sql, *parameters)
        except Exception as error:
            wrapped = self._wrapped(error, sql, parameters)
            if wrapped is error:
                raise
            raise wrapped from error
        for index, write in enumerate(part):
            if write.pending is not None:
                write.pending._rows = self._processed(write.compiled, [(row[f"r{index}"],)])

    async def rows(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Row]:
        return await self._run(statement, params)

    async def first(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Row | None:
        found = await self._run(statement, params)
        return found[0] if found else None

    async def one(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Row:
        found = await self._run(statement, params)
        if len(found) != 1:
            raise LookupError(f"expected one row, got {len(found)}")
        return found[0]

    async def scalar(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Any:
        row = await self.first(statement, params)
        return None if row is None else row[0]

    async def execute(self, statement: Statement, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement whose outcome is only success or an error; in a batching transaction it is
        sent with the next read or at the commit, and its error surfaces there."""
        if not self._defer(statement, params, None):
            await self._run(statement, params)

    async def submit(self, statement: Statement, params: Mapping[str, Any] | None = None) -> Pending:
        """Run a statement whose rows are needed later; they are read with ``Pending.rows()`` (an
        INSERT of one row returning one column is batched like ``execute``)."""
        pending = Pending()
        if self._defer(statement, params, pending):
            return pending
        return Pending(await self._run(statement, params))

    # --- a transaction of its own (the hot routes): begin, commit, roll back --------------------------

    async def begin(self) -> None:
        # SQLite takes the write lock at the start (see core.db).
        await self._command("BEGIN IMMEDIATE" if self._sqlite else "BEGIN")

    async def commit(self) -> None:
        if self._batch:
            await self._flush()
        await self._command("COMMIT")

    async def rollback(self) -> None:
        if self._batch is not None:
            self._batch = []
        await self._command("ROLLBACK")

    async def _command(self, sql: str) -> None:
        try:
            if self._sqlite:
                await (await self.raw.execute(sql)).close()
            else:
                await self.raw.execute(sql)
        except Exception as error:
            wrapped = self._wrapped(error, sql, None)
            if wrapped is error:
                raise
            raise wrapped from error

    @property
    def broken(self) -> bool:
        """The connection is gone (a server restart, a network cut)."""
        return not self._sqlite and self.raw is not None and self.raw.is_closed()


class Memo:
    """Figures a process keeps about one database between requests, each for a short time: a branch's
    configuration for issuing tickets, its recent service times. Each kind is a dict keyed by branch (or
    by another id, such as a work profile's), holding when it was read (by the domain clock) and the
    value; ``forget`` drops entries when this process changes what they were read from.

    Other processes learn of a change in one of two ways. Where the processes share a hub that carries
    announcements (Redis: ``core.live.RedisHub.attach``), ``changed`` tells every process to forget its
    entries at once and the memo is ``coherent``: its entries may live long. Elsewhere they see the change
    when their entries expire, so the time to live of such a kind is the staleness it accepts.

    A value read while a change was being committed could be the old one: ``put`` takes the ``version``
    read before the value was, and keeps nothing if something was forgotten since.
    """

    def __init__(self) -> None:
        self._kinds: dict[str, dict[int, tuple[datetime, Any]]] = {}
        self._forgotten = 0
        # Sends a change to every process sharing the database (set by the hub that carries it).
        self.announce: Callable[[str, int | None], None] | None = None

    @property
    def coherent(self) -> bool:
        """Changes reach every process's memo when they are committed (not only when entries expire)."""
        return self.announce is not None

    @property
    def version(self) -> int:
        """Read before reading a value to keep: ``put`` drops the value if anything was forgotten since."""
        return self._forgotten

    def get(self, kind: str, key: int, now: datetime, ttl: timedelta) -> Any | None:
        entry = self._kinds.get(kind, {}).get(key)
        if entry is None or not timedelta(0) <= now - entry[0] < ttl:
            return None
        return entry[1]

    def peek(self, kind: str, key: int) -> Any | None:
        """The entry whatever its age (to bring it up to date in place)."""
        entry = self._kinds.get(kind, {}).get(key)
        return None if entry is None else entry[1]

    def put(self, kind: str, key: int, now: datetime, value: Any, *, version: int | None = None) -> None:
        if version is not None and version != self._forgotten:
            return
        entries = self._kinds.setdefault(kind, {})
        if len(entries) > 10_000:
            entries.clear()
        entries[key] = (now, value)

    def forget(self, kind: str | None = None, key: int | None = None) -> None:
        """Drop one entry of a kind, all of a kind, or everything (``kind`` None)."""
        self._forgotten += 1
        if kind is None:
            self._kinds.clear()
        elif key is None:
            self._kinds.pop(kind, None)
        else:
            self._kinds.get(kind, {}).pop(key, None)

    def changed(self, kind: str, key: int | None = None) -> None:
        """A committed change: forget the entries here, and have every other process forget theirs."""
        self.forget(kind, key)
        if self.announce is not None:
            self.announce(kind, key)


_MEMOS: Final[weakref.WeakKeyDictionary[Any, Memo]] = weakref.WeakKeyDictionary()


def memo_of(sync_engine: Any) -> Memo:
    """The memo of a database (one per engine)."""
    memo = _MEMOS.get(sync_engine)
    if memo is None:
        memo = _MEMOS[sync_engine] = Memo()
    return memo


Db = AsyncSession | Tx
_SESSION_TX: Final = "birtereze.tx"
_SESSION_LIVE: Final = "birtereze.live"


async def transaction(db: Db) -> Tx:
    """The lean transaction of a unit of work: ``db`` itself, or the session's current transaction."""
    if isinstance(db, Tx):
        return db
    session_transaction = db.sync_session.get_transaction()
    cached: tuple[object, Tx] | None = db.info.get(_SESSION_TX)
    if cached is not None and session_transaction is not None and cached[0] is session_transaction:
        return cached[1]
    connection = await db.connection()
    pooled = await connection.get_raw_connection()
    adapted: Any = pooled.dbapi_connection
    if getattr(adapted, "_transaction", False) is None and not adapted.autocommit:
        # SQLAlchemy's asyncpg adaption begins the transaction at its first statement: a lean statement
        # run before it must find the transaction begun, or it would commit on its own.
        await adapted._start_transaction()
    tx = Tx(
        connection.dialect,
        pooled.driver_connection,
        db.info.setdefault(_SESSION_LIVE, []),
        memo=memo_of(connection.sync_engine),
    )
    db.info[_SESSION_TX] = (db.sync_session.get_transaction(), tx)
    return tx


def session_live(session: AsyncSession) -> list[Any]:
    """What ``Tx.live`` collected in a session's committed unit of work, taken out for publication."""
    session.info.pop(_SESSION_TX, None)
    live: list[Any] = session.info.pop(_SESSION_LIVE, [])
    return live


@asynccontextmanager
async def lean_transaction(engine: AsyncEngine, *, read_only: bool = False) -> AsyncIterator[Tx]:
    """A transaction on a pooled connection, without an ORM session: commit on success, else roll back.

    The connection is taken from the pool on the first statement, not before. ``read_only``: no
    transaction at all, each statement sees the database as it is when it runs; it saves the BEGIN and
    COMMIT round trips of a read whose statements need no common snapshot.
    """
    pooled: PoolProxiedConnection | None = None

    async def open_connection() -> None:
        nonlocal pooled
        pooled = await engine.raw_connection()
        tx.raw = pooled.driver_connection
        if not read_only:
            await tx.begin()

    tx = Tx(engine.dialect, None, open=open_connection, memo=memo_of(engine.sync_engine))
    if not read_only and engine.dialect.name == "postgresql":
        tx._batch = []
    try:
        try:
            yield tx
            if (tx.raw is not None or tx._batch) and not read_only:
                await tx.commit()
        except BaseException:
            if tx.raw is not None and not tx.broken and not read_only:
                with contextlib.suppress(Exception):
                    await tx.rollback()
            raise
    finally:
        if pooled is not None:
            if tx.broken or (not tx._sqlite and tx.raw.is_in_transaction()):
                # The server went away, or the transaction could not be ended: the pool opens a new
                # connection later.
                await greenlet_spawn(pooled.invalidate)
            # Back to the pool (its reset rolls back whatever SQLAlchemy's adaption began, here nothing).
            await greenlet_spawn(pooled.close)
