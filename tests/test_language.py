"""webapp/language.py: the request's words found once say what Flask-Babel and Jinja's own
newstyle gettext say, in both languages, escaping included."""
from __future__ import annotations

import flask_babel
import pytest
from flask import render_template_string
from jinja2 import Environment

#: Snippets of the kinds the templates use: plain words, variables (one with markup to escape),
#: a literal percent, plural and context forms, and {% trans %} blocks.
SNIPPETS = [
    "{{ _('Kotak Masuk') }}",
    "{{ gettext('Status') }}",
    "{{ _('diambil oleh %(user)s', user='<b>budi</b>') }}",
    "{{ _('putaran ke-%(n)s', n=3) }}",
    "{{ _('100%% selesai') }}",
    "{{ ngettext('%(num)d menit', '%(num)d menit', 1) }}|{{ ngettext('%(num)d menit', '%(num)d menit', 7) }}",
    "{{ ngettext('%(num)d langkah sebelumnya tidak ditampilkan.', '%(num)d langkah sebelumnya tidak ditampilkan.', 4) }}",
    "{{ pgettext('plural', 'Langkah') }}",
    "{% trans %}Kotak Masuk{% endtrans %}",
    "{% trans n=2 %}{{ n }} menit{% pluralize %}{{ n }} menit{% endtrans %}",
    "{% autoescape false %}{{ _('diambil oleh %(user)s', user='<i>x</i>') }}{% endautoescape %}",
]


def _jinja_reference(app) -> Environment:
    """Jinja's own i18n extension, newstyle, over Flask-Babel's catalog: what the templates said
    before alur wrote its callables out."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: flask_babel.get_translations().ugettext(s),
        lambda s, p, n: flask_babel.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: flask_babel.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: flask_babel.get_translations().unpgettext(c, s, p, n))
    return env


@pytest.mark.parametrize("lang", ["id", "en"])
def test_template_words_read_as_jinjas_newstyle_gettext_writes_them(app, lang):
    reference = _jinja_reference(app)
    with app.test_request_context(f"/?lang={lang}"):
        for _round in range(2):  # the second round reads the words kept by the first
            for snippet in SNIPPETS:
                assert render_template_string(snippet) == reference.from_string(snippet).render(), snippet
        assert "&lt;b&gt;budi&lt;/b&gt;" in render_template_string(SNIPPETS[2])  # a variable is escaped


def test_kept_words_follow_the_language_of_each_request(app):
    """A word kept for one language is never said in the other (requests alternate)."""
    with app.test_request_context("/?lang=en"):
        english = render_template_string("{{ _('Kotak Masuk') }}")
    with app.test_request_context("/?lang=id"):
        indonesian = render_template_string("{{ _('Kotak Masuk') }}")
    with app.test_request_context("/?lang=en"):
        assert render_template_string("{{ _('Kotak Masuk') }}") == english == "Inbox"
    assert indonesian == "Kotak Masuk"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_python_words_read_as_flask_babels(app, lang):
    from webapp.language import gettext, ngettext, pgettext

    with app.test_request_context(f"/?lang={lang}"):
        assert gettext("Kotak Masuk") == flask_babel.gettext("Kotak Masuk")
        assert gettext("putaran ke-%(n)s", n=2) == flask_babel.gettext("putaran ke-%(n)s", n=2)
        assert gettext("100%% selesai") == flask_babel.gettext("100%% selesai")  # no variables: not formatted
        for n in (1, 5):
            assert ngettext("%(num)d menit", "%(num)d menit", n) == flask_babel.ngettext("%(num)d menit", "%(num)d menit", n)
        assert pgettext("plural", "Langkah") == flask_babel.pgettext("plural", "Langkah")


def test_outside_a_request_words_are_the_sources(app):
    """Outside any application context the words are the source's (Flask-Babel's dummy catalog)."""
    from webapp.language import current_locale, gettext

    assert current_locale() is None
    assert gettext("Kotak Masuk") == "Kotak Masuk"
