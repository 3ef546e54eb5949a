"""What the editors offer from the provider profiles: event types by category, profile
titles. The editors work without profiles (a broken or missing folder): then a small built-in
catalog, and the profile's name where its title would be."""

from __future__ import annotations


def catalog() -> list[tuple[str, list[str]]]:
    """Event types by category, from the provider profiles when they are available."""
    try:
        from webhook_studio.profile_library import ProfileLibrary

        library = ProfileLibrary.load()
        groups: list[tuple[str, list[str]]] = []
        for name in library.names():
            profile = library.get(name)
            for category, events in profile.categories().items():
                groups.append((f"{profile.title} · {category}", list(events)))
        if groups:
            return groups
    except Exception:  # profiles are optional here: the editor works without them
        pass
    return [("Users", ["user.created", "user.updated", "user.deleted"]),
            ("Billing", ["payment.succeeded", "payment.failed", "invoice.paid"]),
            ("Everything", ["*"])]


def profile_title(name: str) -> str:
    try:
        from webhook_studio.profile_library import ProfileLibrary

        return str(ProfileLibrary.load().get(name).title)
    except Exception:  # a profile file removed since: its name still says where it came from
        return name
