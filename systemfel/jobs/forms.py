"""The form that orders a background job: a button, and the CSRF token it carries."""

from systemfel.forms import BaseForm


class OrderForm(BaseForm):
    """Order a file made in the background ("Sammanställ", "Beställ filen")."""
