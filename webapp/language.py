"""The request's language, found once: its locale and catalog, and gettext for Python and Jinja.

Flask-Babel finds the locale and the catalog again on every call (three context look-ups through
``g``'s proxy, its domain, the locale's name as a cache key: 3 µs for the locale, some 10 µs a
word), and a page says a few hundred words and moments. Here both are read once per request and
language, and the gettext functions behave as Flask-Babel's (Python) and jinja2.ext's newstyle
ones (templates) do. A ``force_locale`` block (a mail in its reader's language) gets its own.
"""
from __future__ import annotations

from typing import Any

from babel.core import Locale
from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import get_locale, get_translations
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup


def _app_globals() -> Any | None:
    """Flask's ``g`` of this application context itself (None outside one). Each attribute read
    through the ``g`` proxy costs a context look-up; a page reads the language a few hundred times."""
    try:
        return g._get_current_object()
    except RuntimeError:
        return None


def current_locale() -> Locale | None:
    """``flask_babel.get_locale()``: the request's language, or the one a ``force_locale`` block
    set. Once Flask-Babel has chosen it, it is read from Flask-Babel's own namespace in ``g``
    (where ``force_locale`` sets and restores it) without its three proxy look-ups: 0.2 µs, not 3."""
    found = _app_globals()
    chosen = getattr(found.__dict__.get("_flask_babel"), "babel_locale", None) if found is not None else None
    return chosen if chosen is not None else get_locale()


def request_translations() -> NullTranslations:
    """The translations of the request's language, looked up once per request and language.

    Flask-Babel's ``gettext`` finds them again on every call (its context, its domain, the
    locale's name as a cache key: some 10 µs), and a page says a few hundred words. The memo is
    keyed by the locale object itself, so a ``force_locale`` block (a mail in its reader's
    language) gets its own translations and the request's again after it.
    """
    locale = current_locale()
    found = _app_globals()
    if locale is None or found is None:  # outside a request or app context
        return get_translations()
    memo = found.__dict__.get("_alur_translations")
    if memo is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    found._alur_translations = (locale, translations)
    return translations


# Jinja's gettext callables, newstyle (jinja2.ext's _make_new_gettext and its kin: the message is
# a format string filled with the call's keywords, marked safe first where the template
# autoescapes), written out so a call is one function, not three: the extension's ``_`` resolves
# ``gettext`` and calls its wrapper, which calls the function given (some 12 µs a word, a few
# hundred words a page). A word without variables is kept per catalog as the template gets it.
_WORDS: dict[tuple[NullTranslations, str, bool], str] = {}
#: Only template literals are translated; the bound is a guard, not a size reached in practice.
WORDS_KEPT = 20_000


def _newstyle(eval_ctx: EvalContext, message: str, variables: dict[str, Any]) -> str:
    if eval_ctx.autoescape:
        message = Markup(message)
    return message % variables


@pass_eval_context
def _jinja_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    translations = request_translations()
    if variables:
        return _newstyle(eval_ctx, translations.ugettext(string), variables)
    key = (translations, string, eval_ctx.autoescape)
    word = _WORDS.get(key)
    if word is None:
        if len(_WORDS) >= WORDS_KEPT:
            _WORDS.clear()
        word = _WORDS[key] = _newstyle(eval_ctx, translations.ugettext(string), {})
    return word


@pass_eval_context
def _jinja_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _newstyle(eval_ctx, request_translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _jinja_pgettext(eval_ctx: EvalContext, context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", context)
    return _newstyle(eval_ctx, request_translations().upgettext(context, string), variables)


@pass_eval_context
def _jinja_npgettext(eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int,
                     **variables: Any) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    return _newstyle(eval_ctx, request_translations().unpgettext(context, singular, plural, num), variables)


# Python's gettext family, as Flask-Babel's: the message, formatted only when given variables
# (n- forms always, with ``num``).
def gettext(string: str, **variables: Any) -> str:
    message = request_translations().ugettext(string)
    return message % variables if variables else message


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables: Any) -> str:
    message = request_translations().upgettext(context, string)
    return message % variables if variables else message


def install(app: Flask) -> None:
    """Jinja's ``{{ _() }}`` and ``{% trans %}`` through these (newstyle: the i18n extension,
    which Flask-Babel adds, compiles ``{% trans %}`` blocks for them; ``_`` is gettext itself)."""
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(gettext=_jinja_gettext, _=_jinja_gettext, ngettext=_jinja_ngettext,
                                 pgettext=_jinja_pgettext, npgettext=_jinja_npgettext)
