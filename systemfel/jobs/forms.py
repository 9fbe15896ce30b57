"""The form that orders a background job: a button, and the CSRF token it carries."""

from flask_wtf import FlaskForm


class OrderForm(FlaskForm):
    """Order a file made in the background ("Sammanställ", "Beställ filen")."""
