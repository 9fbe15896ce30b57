"""The services' backstop for the privacy rule: the forms check first, this refuses anyway."""

from systemfel.errors import ValidationError
from systemfel.i18n import N_
from systemfel.privacy.domain import find_personnummer


def refuse_personnummer(**texts: str) -> None:
    """Refuse the first text (named by its field) that holds a personnummer."""
    for field, text in texts.items():
        if find_personnummer(text or ""):
            raise ValidationError(
                N_("Texten innehåller ett personnummer eller samordningsnummer. Ta bort det."),
                field=field,
            )
