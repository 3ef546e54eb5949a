"""The provider profile a request names, or a 422 on its ``profile`` field."""

from __future__ import annotations

from webhook_studio.api.errors import InvalidInput
from webhook_studio.core.profiles import Profile


def named_profile(name: str) -> Profile:
    from webhook_studio.profile_library import ProfileLibrary

    library = ProfileLibrary.load()
    profile = library.profiles.get(name)
    if profile is None:
        raise InvalidInput({"profile": f"no profile named {name!r}; known: "
                                       f"{', '.join(library.names())}"})
    return profile
