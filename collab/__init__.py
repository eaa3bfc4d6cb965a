"""Binôme: pairs of pupils writing one text together, live."""

__version__ = "0.1.0"
