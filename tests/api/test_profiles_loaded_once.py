"""The API uses the process's one profile library: no profile file is read per request, and a
profile imported into that library is usable at once."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from webhook_studio import profile_library
from webhook_studio.api import ApiServer, ApiServices, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.resources import resource_path
from webhook_studio.sender import Dispatcher

ACME = ('name = "acme"\nscheme = "hmac"\nscheme_options = { header = "X-Acme" }\n'
        'envelope = "$data"\n')


async def test_many_calls_naming_profiles_read_the_files_once(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    real_read = profile_library.read_profile_file

    def counting(path: Path) -> str:
        reads.append(path.name)
        return real_read(path)

    monkeypatch.setattr(profile_library, "read_profile_file", counting)
    dispatcher = Dispatcher(ctx.store, ctx.clock)
    server = ApiServer(ApiServices(ctx.store, ctx.clock, dispatcher, profiles=ctx.profiles),
                       load_or_create_token(ctx.data_dir))
    base = await server.start("127.0.0.1", 0)
    headers = {"Authorization": f"Bearer {load_or_create_token(ctx.data_dir)}"}
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            for i in range(12):
                body = {"path": f"/p{i}", "profile": ("github", "stripe", "envoyou")[i % 3],
                        "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]}
                async with http.post(f"{base}/api/v1/endpoints", json=body) as resp:
                    assert resp.status == 201, await resp.text()
                async with http.post(f"{base}/api/v1/endpoints",
                                     json={"path": f"/q{i}", "profile": "nope"}) as resp:
                    assert resp.status == 422

            bundled = sorted(p.name for p in resource_path("profiles").glob("*.toml"))
            assert sorted(reads) == bundled  # one load, at start

            source = tmp_path / "acme.toml"
            source.write_text(ACME, encoding="utf-8")
            ctx.profiles.import_file(source)  # what `profiles import` does in this process
            async with http.post(f"{base}/api/v1/endpoints",
                                 json={"path": "/acme", "profile": "acme",
                                       "secrets": ["acme-secret"]}) as resp:
                assert resp.status == 201, await resp.text()
                assert (await resp.json())["scheme"] == "hmac"
    finally:
        await server.stop()
        await dispatcher.stop()


def test_reload_refreshes_the_one_library_in_place(tmp_path: Path) -> None:
    library = profile_library.ProfileLibrary.load(tmp_path)
    lookup = library.profiles.get  # what the receiver holds
    assert lookup("acme") is None
    (tmp_path / "acme.toml").write_text(ACME, encoding="utf-8")
    library.reload()
    found = lookup("acme")
    assert found is not None and found.scheme == "hmac"
