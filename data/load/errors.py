"""The one error a load raises: a line for the user (what is wrong, what to do)."""

from __future__ import annotations


class LoadError(Exception):
    """A file or a load was refused; the warehouse is unchanged."""
