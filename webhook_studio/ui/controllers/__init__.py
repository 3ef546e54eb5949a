"""What each window section does (load, save, validate, send), apart from its layout.

A section's view (``ui/sections/NAME.py``) builds widgets and shows what its controller
(``ui/controllers/NAME.py``, a plain ``QObject`` that creates no widget) reports through
typed signals. Controllers read the store only through :class:`~webhook_studio.ui.query_op.
Queries` (a worker thread), and never import SQLAlchemy: their reads are functions in
``store/window_reads.py`` and ``store/pages.py``.
"""
