"""Ledningsgrupp meetings: agendas, minutes and their decisions."""
