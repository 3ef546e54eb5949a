"""Sentences for PostgreSQL failures, from their SQLSTATE (never from message text).

Interim: the ``structure`` branch brings ``store/db_errors.py: classify(exc)`` for both
backends; once it lands, :func:`describe_pg_error` is folded into it. The sentences use the
words ``health.store_failed`` reads as passing trouble ("locked", "did not answer"), because a
lock or a lost connection to a team database passes by itself: the receiver answers 503 and the
sender waits and retries meanwhile.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

#: SQLSTATEs of a lock or a conflict another session holds (it passes).
LOCKED = {"55P03", "40P01", "40001", "57014"}
#: SQLSTATEs of a server that is going away or not there yet.
GONE = {"57P01", "57P02", "57P03", "53300"}

UNREACHABLE = "Team database unreachable, retrying…"


def describe_pg_error(exc: BaseException) -> str | None:
    """One sentence for a psycopg error, or None when ``exc`` is not one."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    if not isinstance(orig, psycopg.Error):
        return None
    state = getattr(orig, "sqlstate", None) or ""
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    if state in LOCKED:
        return (f"The team database is locked by another session ({detail}); "
                "it is tried again.")
    if (isinstance(orig, psycopg.OperationalError) and not state) or state.startswith("08") \
            or state in GONE:
        return f"{UNREACHABLE} The team database did not answer ({detail})."
    if state == "53100":
        return f"The disk holding the team database is full ({detail}); free some space."
    if state == "42501":
        return (f"The team database refused this account ({detail}); ask for write access "
                "(docs/team.md, roles).")
    return None
