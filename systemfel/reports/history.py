"""How the history entries the annual report writes read: a brist left out of it, taken back."""

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext

from systemfel.brister import history
from systemfel.brister.domain import HandelseTyp


def connect() -> None:
    """Register the renderers with brister's history."""
    history.RENDERERS[HandelseTyp.UTELAMNAD_UR_RAPPORT] = left_out_lines
    history.RENDERERS[HandelseTyp.MED_I_RAPPORT_IGEN] = taken_back_lines


def left_out_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """Left out of the report of a year (the reason is the entry's text)."""
    return [gettext("Redovisningen %(year)s", year=data["year"])]


def taken_back_lines(data: Mapping[str, Any]) -> list[history.Line]:
    """Taken into the report of a year again."""
    return [gettext("Redovisningen %(year)s", year=data["year"])]
