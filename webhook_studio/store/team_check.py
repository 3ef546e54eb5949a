""""Test connection" for a team database: connect for real and say what was found or what
failed, in one sentence (Settings ▸ Workspace, and anything else that wants to check a URL).

The failure is read from the server's SQLSTATE where there is one (password refused, no such
database), so the sentence says what to fix; a server that cannot be reached has none, and the
sentence says so with the driver's own reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

EXAMPLE = "postgresql+psycopg://user:password@db.example.com:5432/webhooks"


def team_url(text: str) -> str:
    """``postgresql://`` and ``postgres://`` (what people copy from a dashboard) mean
    psycopg 3, the driver Webhook Studio ships; anything else is returned as it is."""
    text = text.strip()
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix):]
    return text


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    sentence: str


def check_connection(url: str, timeout: float = 5.0) -> CheckResult:
    """Connect to ``url``, look for Webhook Studio's tables, disconnect."""
    url = team_url(url)
    if not url.startswith("postgresql+psycopg://"):
        return CheckResult(False, f"A team database URL starts with postgresql+psycopg://, "
                                  f"e.g. {EXAMPLE}.")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        return CheckResult(False, f"This is not a database URL ({exc}); e.g. {EXAMPLE}.")
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    name = parsed.database or parsed.username or "(default)"
    import psycopg

    from webhook_studio.store.live import libpq_url

    try:
        conn = psycopg.connect(libpq_url(url), connect_timeout=max(1, int(timeout)),
                               application_name="webhook-studio check")
    except psycopg.Error as exc:
        return CheckResult(False, _diagnose(exc, url, where, name, parsed.username, timeout))
    try:
        with conn:
            version = conn.info.server_version
            tables = {r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()").fetchall()}
            schema = None
            if "studio_meta" in tables:
                row = conn.execute("SELECT value FROM studio_meta "
                                   "WHERE key = 'schema_version'").fetchone()
                schema = row[0] if row else None
    except psycopg.Error as exc:
        return CheckResult(False, f"Connected to {where}, but reading the database failed "
                                  f"({_first_line(exc)}).")
    server = f"PostgreSQL {version // 10000}.{version % 10000}"
    if schema is not None:
        return CheckResult(True, f"Connected to {server} at {where}, database {name!r}: "
                                 f"Webhook Studio data (schema {schema}).")
    if tables:
        return CheckResult(False, f"Connected to {server} at {where}, but database {name!r} "
                                  "holds another program's tables; Webhook Studio will not "
                                  "write into it. Choose an empty database.")
    return CheckResult(True, f"Connected to {server} at {where}, database {name!r} is empty: "
                             "Webhook Studio creates its tables on first use.")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _reachable(url: str, timeout: float) -> bool:
    """Whether anything accepts a TCP connection at the URL's host and port (a unix socket
    path counts as reachable: the connection attempt itself tells)."""
    import socket

    parsed = make_url(url)
    host = parsed.host or ""
    if not host or host.startswith("/"):
        return True
    try:
        with socket.create_connection((host, parsed.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False


def _database_missing(url: str, name: str, timeout: float) -> bool | None:
    """Logged in to the maintenance database with the same account: does ``name`` exist?
    None when that login fails too (then the account is the problem)."""
    import psycopg

    from webhook_studio.store.live import libpq_url

    try:
        with psycopg.connect(libpq_url(str(make_url(url).set(database="postgres"))),
                             connect_timeout=max(1, int(timeout))) as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (name,)).fetchone()
            return row is None
    except psycopg.Error:
        return None


def _diagnose(exc: BaseException, url: str, where: str, name: str, user: str | None,
              timeout: float) -> str:
    """What went wrong, from the SQLSTATE when the server sent one, else by trying: is the
    port open, does the same account get into the maintenance database (a failed login
    carries no SQLSTATE in libpq, and its text is not ours to parse)."""
    state = getattr(exc, "sqlstate", None) or ""
    detail = _first_line(exc)
    if not state:
        if not _reachable(url, timeout):
            return f"Could not reach a PostgreSQL server at {where} ({detail})."
        missing = _database_missing(url, name, timeout)
        state = "3D000" if missing else "42501" if missing is False else "28P01"
    if state == "42501":
        return (f"{where} refused user {user or '(none)'!r} access to database {name!r} "
                f"({detail}); ask for CONNECT on it (docs/team.md, roles).")
    if state in {"28P01", "28000"}:
        return (f"{where} refused user {user or '(none)'!r}: wrong password or no access "
                f"({detail}). Check the user and password in the URL.")
    if state == "3D000":
        return (f"{where} has no database {name!r}; create it (docs/team.md) or fix the name "
                "at the end of the URL.")
    if state == "53300":
        return f"{where} has no free connection slots ({detail}); try again later."
    return f"Could not reach a PostgreSQL server at {where} ({detail})."
