"""Alembic environment.

URL precedence: ``config.attributes["url"]`` (set by ``bot.store.migrate``),
``-x url=...`` on the command line, ``sqlalchemy.url`` in alembic.ini, then the
default SQLite file.  An open connection may be passed as
``config.attributes["connection"]``.  SQLite runs in batch mode with foreign keys
off, so future ``ALTER TABLE`` migrations work there too.
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.store.db import DEFAULT_SQLITE_URL, make_engine, normalise_url
from bot.store.models import metadata as target_metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = (
        config.attributes.get("url")
        or context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or DEFAULT_SQLITE_URL
    )
    return str(normalise_url(url).render_as_string(hide_password=False))


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    if connection is not None:
        dialect = connection.dialect.name
    elif url is not None:
        dialect = url.split(":", 1)[0]
    else:
        raise ValueError("_configure needs a connection or a URL")
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        literal_binds=connection is None,
        render_as_batch=dialect.startswith("sqlite"),
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade heads --sql``)."""
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a live database (or a connection passed in ``config.attributes``)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(_database_url(), sqlite_foreign_keys=False)
    try:
        with engine.connect() as conn:
            _run_on(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
