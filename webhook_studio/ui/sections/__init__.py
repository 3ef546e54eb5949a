"""The window's sections as views: layout and widgets, one module each. What a section does
(reads, saves, sends) is in its controller, ``ui/controllers/`` under the same name."""
