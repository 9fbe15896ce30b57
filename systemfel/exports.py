"""What every file that leaves the system shares: cells Excel will not run as formulas."""

# A cell starting with one of these is read as a formula by Excel and LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Return `value` safe for a spreadsheet: text that looks like a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
