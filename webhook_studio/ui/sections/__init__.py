"""The window's sections, one module each. Each is a QWidget built with the app context."""
