"""The provider profile a request names, or a 422 on its ``profile`` field."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webhook_studio.api.errors import InvalidInput
from webhook_studio.core.profiles import Profile

if TYPE_CHECKING:
    from webhook_studio.profile_library import ProfileLibrary


def named_profile(library: ProfileLibrary, name: str) -> Profile:
    """``library`` is the process's one ProfileLibrary (``ApiServices.profiles``): nothing is
    read from disk per request."""
    profile = library.profiles.get(name)
    if profile is None:
        raise InvalidInput({"profile": f"no profile named {name!r}; known: "
                                       f"{', '.join(library.names())}"})
    return profile
