"""Translating in templates: `_()`, `gettext`, `ngettext` and `{% trans %}`, cheaply.

A list page asks for ~300 strings. Jinja's i18n extension reaches the catalogue through two
template calls per string (`_` resolves `gettext`, which calls the function installed), and
Flask-Babel finds the request's locale and catalogue anew each time. Here `_` is the
translating function itself; the catalogue is looked up once per request and locale, and
handed to each rendered template in its context (a macro imported without the context, or a
template rendered without Flask's context processors, looks it up in the request's memo).

The functions behave exactly as the extension's "newstyle" gettext: the translation is
Markup when the template autoescapes, and is always %-formatted with the keyword arguments
(`num` added for plurals, `context` for pgettext), so `%%` means a percent sign whether or
not there are any.
"""

from typing import Any

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

# The template context's name for the catalogue of the locale the template is rendered in.
CATALOGUE = "systemfel_catalogue"


def install(app: Flask) -> None:
    """Install the translating functions in the app's Jinja environment (with jinja2.ext.i18n)."""
    env = app.jinja_env
    # The i18n extension's setting: the functions format, the compiled {% trans %} does not.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(
        _=gettext, gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
    )
    app.context_processor(lambda: {CATALOGUE: request_translations()})


def request_translations() -> NullTranslations:
    """The request's catalogue, looked up once per request and locale.

    The memo is keyed by the locale: documents are rendered in Swedish with force_locale()
    inside a request that may be in English.
    """
    locale = get_locale()
    cached = g.get("systemfel_translations")
    if cached is None or cached[0] is not locale:  # force_locale() gives another locale
        cached = (locale, get_translations())
        g.systemfel_translations = cached
    return cached[1]


def _catalogue(context: Context) -> NullTranslations:
    """The catalogue the template's context was given, else the request's."""
    given = context.get(CATALOGUE)
    return given if given is not None else request_translations()


def _formatted(context: Context, text: str, variables: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our own catalogue, as jinja2.ext.i18n does
    if variables or "%" in text:
        return text % variables
    return text  # the same text formatting with no arguments would give


@pass_context
def gettext(context: Context, string: str, /, **variables: Any) -> str:
    """`_("...")` and `gettext("...")` in a template."""
    return _formatted(context, _catalogue(context).ugettext(string), variables)


@pass_context
def ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    """`ngettext("...", "...", n)` and `{% trans %}` with `{% pluralize %}`."""
    variables.setdefault("num", num)
    return _formatted(context, _catalogue(context).ungettext(singular, plural, num), variables)


@pass_context
def pgettext(context: Context, message_context: str, string: str, /, **variables: Any) -> str:
    """`pgettext("context", "...")` in a template."""
    variables.setdefault("context", message_context)
    return _formatted(context, _catalogue(context).upgettext(message_context, string), variables)


@pass_context
def npgettext(
    context: Context,
    message_context: str,
    singular: str,
    plural: str,
    num: int,
    /,
    **variables: Any,
) -> str:
    """`npgettext("context", "...", "...", n)` in a template."""
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return _formatted(
        context,
        _catalogue(context).unpgettext(message_context, singular, plural, num),
        variables,
    )
