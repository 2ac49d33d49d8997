"""Hot read statements run on the database driver's own cursor, compiled once.

Why this module exists: SQLAlchemy's execution of a statement it has compiled and cached
still costs, per execution, its cache key, an execution context, the parameters' processing
through generic code, a result object and a Row per row; for the statements every request or
every list page runs (the token check, the commitment list's page, its count and its
children) that was more than the driver's own work. A `DriverStatement` is the statement
compiled once for a dialect, with its parameters' order and conversions and its columns'
result conversions worked out once; `run` executes it on the request's own connection (its
transaction, its turn at the database) with the driver's cursor. What a caller gets is what
`connection.execute(statement, params).all()` gives, value for value (the columns' own
result processors are applied), as plain tuples read by position.

What SQLAlchemy does around an execution that matters here is kept:

- the engine's `before_execute` and `before_cursor_execute` listeners are called as
  SQLAlchemy calls them (tests record the statements each request runs: the access policy's
  filter on every statement, the number of statements), only when there are any;
- a driver error becomes SQLAlchemy's DBAPIError, and a lost connection is invalidated as
  SQLAlchemy would invalidate it (so "try again" errors are 503 and the pool recovers);
- a statement SQLAlchemy can only finish at execution time (an expanding IN, a value
  rendered into the SQL) is run by SQLAlchemy itself, whole: `run` gives the same rows.
"""

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError, StatementError
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import BindParameter

Processor = Callable[[Any], Any]
_NO_OPTIONS: Mapping[str, Any] = {}


class DriverStatement:
    """One Core SELECT (or UNION) compiled for one dialect, ready for the driver's cursor."""

    __slots__ = ("_binds", "_results", "direct", "element", "positional", "sql")

    def __init__(self, element: Executable, dialect: Dialect) -> None:
        compiled = element.compile(dialect=dialect)  # type: ignore[attr-defined]
        self.element = element
        self.sql: str = compiled.string
        # Finished only at execution time (an expanding IN, a literal-execute value): no.
        self.direct = not (compiled.post_compile_params or compiled.literal_execute_params)
        self.positional = bool(dialect.positional)
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        escaped = compiled.escaped_bind_names
        names = (
            list(compiled.positiontup or ())
            if self.positional
            else [escaped.get(name, name) for name in by_name]
        )
        unescaped = {value: key for key, value in escaped.items()}
        binds: list[tuple[str, str, BindParameter[Any], Processor | None]] = []
        for name in names:
            bind = by_name[unescaped.get(name, name)]
            binds.append(
                (name, bind.key, bind, bind.type.dialect_impl(dialect).bind_processor(dialect))
            )
        self._binds = tuple(binds)
        # The columns' conversions, as SQLAlchemy's result would apply them (None: as read).
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in element.selected_columns  # type: ignore[attr-defined]
        )
        self._results: tuple[Processor | None, ...] | None = (
            processors if any(p is not None for p in processors) else None
        )

    def parameters(self, params: Mapping[str, Any]) -> Any:
        """The driver's parameters (a tuple for `?`, a dict for `%(name)s`): each value given by
        its key (or else its bound default), converted as the parameter's type converts it."""
        values = []
        for name, key, bind, process in self._binds:
            if key in params:
                value = params[key]
            elif name in params:
                value = params[name]
            elif bind.required:
                raise InvalidRequestError(f"A value is required for bind parameter {key!r}")
            else:
                value = bind.effective_value
            values.append(value if process is None else process(value))
        if self.positional:
            return tuple(values)
        return {name: value for (name, _, _, _), value in zip(self._binds, values, strict=True)}

    def rows(self, raw: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The driver's rows with the columns' conversions applied."""
        processors = self._results
        if processors is None:
            return raw
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]


@lru_cache(maxsize=1024)
def compiled(element: Executable, dialect: Dialect) -> DriverStatement:
    """`element` compiled for `dialect`, once: for statements that are themselves built once
    (module constants, or cached by their shape), as SQLAlchemy's own cache would hold them."""
    return DriverStatement(element, dialect)


def run(
    connection: Connection, element: Executable, params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of `element` (a statement built once: see `compiled`), read on `connection` (its
    transaction) with the driver's cursor; by SQLAlchemy when the statement is finished only
    at execution time."""
    statement = compiled(element, connection.dialect)
    if not statement.direct:
        return connection.execute(statement.element, dict(params)).all()
    if connection.dispatch.before_execute:
        connection.dispatch.before_execute(
            connection, statement.element, [], dict(params), _NO_OPTIONS
        )
    return statement.rows(_on_cursor(connection, statement.sql, statement.parameters(params)))


def execute(connection: Connection, sql: str) -> None:
    """A statement of no parameters and no rows (SQLite's `BEGIN …`: every transaction runs
    one) on `connection` with the driver's cursor, as `run` runs its statements."""
    _on_cursor(connection, sql, (), fetch=False)


def _on_cursor(
    connection: Connection, sql: str, parameters: Any, *, fetch: bool = True
) -> list[tuple[Any, ...]]:
    """`sql` executed with the driver's cursor of `connection` (its rows, if `fetch`): the
    engine's cursor listeners called, driver errors raised as SQLAlchemy's."""
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        if connection.dispatch.before_cursor_execute:
            connection.dispatch.before_cursor_execute(
                connection, cursor, sql, parameters, None, False
            )
        cursor.execute(sql, parameters)
        return cursor.fetchall() if fetch else []
    except connection.dialect.loaded_dbapi.Error as error:
        raise _wrapped(connection, cursor, sql, parameters, error) from error
    finally:
        cursor.close()


def _wrapped(
    connection: Connection, cursor: Any, sql: str, parameters: Any, error: Any
) -> StatementError:
    """A driver error as SQLAlchemy raises it; a lost connection invalidated as it does it."""
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    lost = dialect.is_disconnect(error, driver, cursor)
    wrapped: StatementError = DBAPIError.instance(
        sql,
        parameters,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
    if lost:
        # As SQLAlchemy does on a disconnect: every connection the pool made before this one
        # is recycled at its next checkout (the server dropped them all, most likely), then
        # this one is invalidated.
        connection.engine.pool._invalidate(connection.connection, wrapped)
        connection.invalidate(wrapped)
    return wrapped
