"""authgate: governed change for identity code written with AI assistants."""

__version__ = "0.2.0"
