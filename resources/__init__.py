"""Data files shipped inside the package as ``webhook_studio.bundled`` (pyproject.toml)."""
