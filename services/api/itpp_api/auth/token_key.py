"""The database's token key, known to this process once read: what lets a made-up bearer token
be refused without a turn at the database (auth/tokens.py says what the tag is).

The key lives in the database (table `token_key`, one row made by migration 0028), so every API
process of a deployment tags and checks with the same key without a setting to keep in step.
A process reads it once, at the first token it checks at the database (`load`, in that
request's session: one small statement), and keeps it, per database, for its engine's
lifetime: the row never changes. Until then every well-formed token goes to the database as
before: a token is only refused from the key when the key is known, so nothing here can refuse
a token the database would accept.

After a database is restored from another deployment's backup, restart its API processes
(deploy/README.md, Backup and restore): a process that kept the old key would refuse the
restored database's tokens.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import Pool
from sqlmodel import Session

from itpp_api.auth import tokens
from itpp_api.auth.models import TokenKey
from itpp_api.db import get_engine, table_of, utcnow

_ROW = 1
_T = table_of(TokenKey).c
_READ = select(_T.key, _T.legacy_until).where(_T.id == _ROW)


@dataclass(frozen=True, slots=True)
class Key:
    """A database's token key, as this process knows it."""

    key: bytes
    legacy_until: datetime  # untagged tokens may be alive until then


# Per database, by its engine's pool (one per engine, shared by the engine's variants with
# other execution options): a test process, a benchmark and `itpp` commands may use several
# databases, some through engines of their own. An engine disposed gets a new pool, whose key
# is read again.
_KNOWN: "WeakKeyDictionary[Pool, Key]" = WeakKeyDictionary()


def known() -> Key | None:
    """The configured database's key, if this process has read it."""
    return _KNOWN.get(get_engine().pool)


def may_be_issued(secret: str) -> bool:
    """Whether `secret` may be a token the database issued, as far as can be told without it:
    well formed, and, once the key is known, with the tag the key gives it (or untagged while a
    token issued without a tag may still be alive). The one check every token passes before
    the database is asked about it (auth.dependencies.well_formed, auth.service.check_token)."""
    if not tokens.is_well_formed(secret):
        return False
    key = known()
    if key is None:
        return True
    if tokens.is_tagged(secret):
        return tokens.tag_matches(secret, key.key)
    return utcnow() < key.legacy_until


def load(session: Session) -> Key | None:
    """The key of `session`'s database: kept, or read in `session` (None when the database
    has no key: then no token is refused from it)."""
    connection = session.connection()
    pool = connection.engine.pool
    key = _KNOWN.get(pool)
    if key is not None:
        return key
    row = connection.execute(_READ).first()
    if row is None:
        return None
    key = _KNOWN[pool] = Key(bytes.fromhex(row[0]), row[1])
    return key


def for_issuing(session: Session) -> bytes:
    """The key to tag a new token with, in a writing `session`. Made there if the database has
    none (a database whose row was deleted: made at the first token issued, by whichever
    process issues it first)."""
    key = load(session)
    if key is not None:
        return key.key
    now = utcnow()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(TokenKey)
        .values(id=_ROW, key=secrets.token_hex(32), legacy_until=now, created_at=now)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    made = load(session)
    assert made is not None
    return made.key


def forget() -> None:
    """Forget every key read (migrate.downgrade: below 0028 a database's key is dropped)."""
    _KNOWN.clear()
