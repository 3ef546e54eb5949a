"""The window keeps its state in the data folder (so ``WEBHOOK_STUDIO_DATA_DIR`` moves it too)
and offers the profiles of the one library the context loaded, user profiles included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from webhook_studio import paths
from webhook_studio.context import AppContext

ACME = ('name = "acme"\ntitle = "Acme Hooks"\nscheme = "hmac"\n'
        'scheme_options = { header = "X-Acme" }\nenvelope = "$data"\n')


async def test_window_state_and_profiles_come_from_the_data_folder(
        make_window: Any, ctx: AppContext, tmp_path: Path) -> None:
    folder = paths.profiles_dir(ctx.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.toml").write_text(ACME, encoding="utf-8")
    window = await make_window(start=False)
    assert ctx.profiles.errors == []
    assert Path(window.settings.fileName()) == tmp_path / "window.ini"
    window.settings.setValue("probe", "1")
    window.settings.sync()
    assert (tmp_path / "window.ini").is_file()
    titles = [window.composer.profile.itemText(i)
              for i in range(window.composer.profile.count())]
    assert "Acme Hooks" in titles
    assert window.composer.library is ctx.profiles
    endpoint_titles = [window.endpoints.profile.itemText(i)
                       for i in range(window.endpoints.profile.count())]
    assert "Acme Hooks" in endpoint_titles
