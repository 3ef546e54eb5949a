"""Saved filters survive a restart, refuse what does not parse, and never lose the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from webhook_studio.core.filter_syntax import FilterKind, FilterSyntaxError
from webhook_studio.store.saved_filters import SavedFilters

C, D = FilterKind.CAPTURES, FilterKind.DELIVERIES


def test_saved_per_section_replaced_by_name_and_deleted(tmp_path: Path) -> None:
    saved = SavedFilters(tmp_path)
    saved.save("Failures", C, "verdict:invalid   status:>=400")
    saved.save("Dead", D, "state:dead")
    saved.save("Failures", C, '-verdict:valid "x y"')
    again = SavedFilters(tmp_path)  # a restart reads the file
    assert [(f.name, f.text) for f in again.list(C)] == [("Failures", '-verdict:valid "x y"')]
    assert [f.text for f in again.list(D)] == ["state:dead"]
    assert (tmp_path / "saved-filters.json").stat().st_mode & 0o777 == 0o600
    assert again.delete("Dead", D) and not again.delete("Dead", D)
    assert again.list(D) == []


def test_bad_input_is_refused_and_a_damaged_file_is_kept(tmp_path: Path) -> None:
    saved = SavedFilters(tmp_path)
    saved.save("Mine", C, "method:POST")
    with pytest.raises(FilterSyntaxError, match="At position 1"):
        saved.save("Oops", C, "nokey:1")
    with pytest.raises(ValueError, match="needs a name"):
        saved.save("  ", C, "method:POST")
    assert [f.name for f in saved.list(C)] == ["Mine"]
    (tmp_path / "saved-filters.json").write_text("{not json", encoding="utf-8")
    broken = SavedFilters(tmp_path)
    assert broken.list(C) == []
    assert broken.problem and "kept as saved-filters.json.damaged" in broken.problem
    assert (tmp_path / "saved-filters.json.damaged").read_text() == "{not json"
