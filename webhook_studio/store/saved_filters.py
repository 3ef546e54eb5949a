"""Saved filters: named filter texts for the Inbox and Deliveries, kept in one small JSON file
in the data folder (``saved-filters.json``), so the window and any script share them.

A file, not a table: saved filters are a person's shortcuts, not workspace data a team
shares through PostgreSQL, and a schema change is not worth them. Bad input never loses
what is stored: a filter that does not parse is refused with the parser's sentence, and an
unreadable file is set aside (renamed ``.damaged``) rather than overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from webhook_studio.core.filter_syntax import FilterKind, format_filter, parse_filter
from webhook_studio.private_files import write_private

FILENAME = "saved-filters.json"


@dataclass(frozen=True)
class SavedFilter:
    name: str
    kind: FilterKind
    text: str


class SavedFilters:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILENAME
        self.problem: str | None = None  # a sentence when the file could not be read

    def _read(self) -> list[SavedFilter]:
        if not self.path.exists():
            return []
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [SavedFilter(str(item["name"]), FilterKind(item["kind"]), str(item["text"]))
                    for item in raw["filters"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            damaged = self.path.with_name(self.path.name + ".damaged")
            self.path.replace(damaged)
            self.problem = (f"The saved filters file could not be read ({exc}); it was kept as "
                            f"{damaged.name} and a new one started.")
            return []

    def _write(self, filters: list[SavedFilter]) -> None:
        data = {"filters": [{"name": f.name, "kind": str(f.kind), "text": f.text}
                            for f in filters]}
        write_private(self.path, json.dumps(data, indent=2, ensure_ascii=False).encode())

    def list(self, kind: FilterKind) -> list[SavedFilter]:
        return [f for f in self._read() if f.kind is kind]

    def save(self, name: str, kind: FilterKind, text: str) -> SavedFilter:
        """Add or replace ``name``; ValueError (a sentence) for an empty name, and
        ``FilterSyntaxError`` for a filter that does not parse."""
        name = name.strip()
        if not name:
            raise ValueError("A saved filter needs a name; type one and save again.")
        saved = SavedFilter(name, kind, format_filter(parse_filter(text, kind)))
        kept = [f for f in self._read() if not (f.kind is kind and f.name == name)]
        self._write([*kept, saved])
        return saved

    def delete(self, name: str, kind: FilterKind) -> bool:
        filters = self._read()
        kept = [f for f in filters if not (f.kind is kind and f.name == name)]
        if len(kept) == len(filters):
            return False
        self._write(kept)
        return True
