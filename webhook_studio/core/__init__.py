"""Pure logic: signing schemes, verdicts, retry policies, matching, envelopes, profiles.

Nothing here imports Qt, aiohttp, httpx or SQLAlchemy, and nothing here does I/O; a test
enforces the import rule. Time comes from an injected clock.
"""
