"""Marking strings for translation where Flask-Babel must not be imported (domain.py)."""


def N_(text: str) -> str:  # the gettext convention
    """Mark `text` for extraction; it is translated where it is shown."""
    return text
