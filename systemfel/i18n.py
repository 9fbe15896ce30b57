"""The UI's languages, and marking strings for translation where Flask-Babel may not be imported."""

# The languages the UI speaks; the first is the default.
LOCALES = ("sv", "en")


def N_(text: str) -> str:  # the gettext convention
    """Mark `text` for extraction; it is translated where it is shown."""
    return text
