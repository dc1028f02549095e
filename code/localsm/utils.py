"""Small helpers that more than one part of the service uses (moto's `utilities` pattern)."""

from __future__ import annotations


def is_number(text: str) -> bool:
    """Whether `float()` reads the text (white space around it allowed, as `float` allows)."""
    try:
        float(text)
    except ValueError:
        return False
    return True
