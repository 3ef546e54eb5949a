"""Provider profiles from disk: the bundled ones and the user's own (which override them).

The only module that reads profile files; parsing and validation are in ``core/profiles``.
A malformed file is skipped and its sentence kept in ``errors``, so the app still starts.
The user folder is ``<data dir>/profiles`` (see :mod:`webhook_studio.paths`).

A process loads the library once (``AppContext.profiles``) and hands that one object to the
API, the CLI commands, the receiver and the window; :meth:`ProfileLibrary.import_file` and
:meth:`ProfileLibrary.reload` change it in place, so every holder sees the change.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from webhook_studio.core.envelope import Envelope, default_envelope
from webhook_studio.core.errors import ProfileError
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.profiles import Profile, parse_profile
from webhook_studio.resources import resource_path


def user_profile_dir() -> Path:
    """The user's profile folder when no context says otherwise."""
    from webhook_studio import paths

    return paths.profiles_dir(paths.default_data_dir())


def read_profile_file(path: Path) -> str:
    """The one place a profile file is read (tests count the calls)."""
    return path.read_text(encoding="utf-8")


class ProfileLibrary:
    def __init__(self, profiles: dict[str, Profile], errors: list[str], user_dir: Path) -> None:
        self.profiles = profiles
        self.errors = errors
        self.user_dir = user_dir

    @classmethod
    def load(cls, user_dir: Path | None = None) -> ProfileLibrary:
        folder = user_dir or user_profile_dir()
        profiles, errors = _read_all(folder)
        return cls(profiles, errors, folder)

    def reload(self) -> None:
        """Read the files again, in place: whoever holds this library sees the new set."""
        profiles, errors = _read_all(self.user_dir)
        self.profiles.clear()  # the same dict: ``receiver.profile_lookup`` holds its ``get``
        self.profiles.update(profiles)
        self.errors[:] = errors

    def names(self) -> list[str]:
        return sorted(self.profiles)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            raise ProfileError(f"No profile named {name!r}; known profiles: "
                               f"{', '.join(self.names())}.") from None

    def import_file(self, path: Path) -> Profile:
        """Validate a profile file and copy it into the user folder."""
        try:
            text = read_profile_file(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path.name}: cannot be read ({exc}).") from exc
        profile = parse_profile(text, path.name)
        self.user_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, self.user_dir / f"{profile.name}.toml")
        self.profiles[profile.name] = profile
        return profile

    def export(self, name: str, dest: Path) -> Path:
        self.get(name)
        for directory in (self.user_dir, resource_path("profiles")):
            source = directory / f"{name}.toml"
            if source.is_file():
                shutil.copyfile(source, dest)
                return dest
        raise ProfileError(f"The file of profile {name!r} is gone.")


def _read_all(user_dir: Path) -> tuple[dict[str, Profile], list[str]]:
    profiles: dict[str, Profile] = {}
    errors: list[str] = []
    for directory in (resource_path("profiles"), user_dir):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                profile = parse_profile(read_profile_file(path), path.name)
            except (ProfileError, OSError, UnicodeDecodeError) as exc:
                errors.append(str(exc) if isinstance(exc, ProfileError)
                              else f"{path.name}: cannot be read ({exc}).")
                continue
            profiles[profile.name] = profile
    return profiles, errors


def sender_hooks(library: ProfileLibrary) -> tuple[Callable[[str | None], Envelope],
                                                   Callable[[str | None, str, str, int],
                                                            dict[str, str]]]:
    """``(envelope_for, header_hook)`` for the Dispatcher: each subscription's profile shapes
    its body and adds its headers; no profile means the default envelope and no headers."""

    def envelope_for(name: str | None) -> Envelope:
        if name and name in library.profiles:
            return library.profiles[name].envelope
        return default_envelope

    def header_hook(name: str | None, event_type: str, delivery_id: str,
                    timestamp: int) -> dict[str, str]:
        if name and name in library.profiles:
            return library.profiles[name].delivery_headers(event_type, delivery_id, timestamp)
        return {}

    return envelope_for, header_hook


def handshake_for(library: ProfileLibrary, clock: Callable[[], float],
                  on_secret: Callable[[Any, str], None] | None = None
                  ) -> Callable[[Any, IncomingRequest], tuple[int, dict[str, str], bytes] | None]:
    """The receiver's handshake hook: answers when the endpoint's profile asks for it, and
    hands a secret the handshake carries (Asana, Notion) to ``on_secret``."""
    from webhook_studio.core.handshakes import answer_handshake, learned_secret

    def handshake(endpoint: Any, request: IncomingRequest
                  ) -> tuple[int, dict[str, str], bytes] | None:
        name = getattr(endpoint, "profile", None)
        if not name or name not in library.profiles:
            return None
        profile = library.profiles[name]
        answer = answer_handshake(profile, request, list(endpoint.secrets), clock())
        if answer is not None and on_secret is not None:
            secret = learned_secret(profile, request)
            if secret:
                on_secret(endpoint, secret)
        return answer

    return handshake


def secret_learner(receiver: Any, store: Any) -> Callable[[Any, str], None]:
    """``on_secret`` for :func:`handshake_for`: a stored endpoint with no secret yet takes the
    one its handshake handed over, and the receiver checks later events with it. An endpoint
    that already has a secret keeps it (clear it to take a new webhook's secret)."""
    from webhook_studio.store.receiver_queries import update_endpoint

    def learn(endpoint: Any, secret: str) -> None:
        if endpoint.id is None or endpoint.secrets:
            return
        update_endpoint(store, endpoint.id, secrets=[secret])
        receiver.reload_endpoints()

    return learn
