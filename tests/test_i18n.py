"""Indonesian by default, English on request; Indonesian dates; the English catalog is compiled."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from helpers.sop_walk import SOP_KEY

TRANSLATIONS = Path(__file__).parent.parent / "webapp" / "translations"
#: Files whose strings this catalog check covers (the other pages have their own tests).
PAGES = ("webapp/home.py", "webapp/inbox.py", "webapp/tasks.py", "webapp/form_render.py", "webapp/auth.py",
         "webapp/i18n.py", "webapp/templates/base.html", "webapp/templates/error.html",
         "webapp/templates/_macros.html", "webapp/templates/auth/", "webapp/templates/home/",
         "webapp/templates/inbox/", "webapp/templates/tasks/")


def test_indonesian_by_default_english_on_request(client, login):
    login("pemilik")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'lang="id"' in page and "Kotak Masuk" in page and "Tugas saya" in page
    page = client.get("/inbox?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Inbox" in page and "My tasks" in page and "Log out" in page
    assert "Kotak Masuk" not in page
    # the choice sticks for the session
    assert "My lanes (unclaimed)" in client.get("/inbox").get_data(as_text=True)
    page = client.get("/inbox?lang=id").get_data(as_text=True)
    assert "Pelaksana saya (belum diambil)" in page and "My tasks" not in page


def test_language_links_keep_the_rest_of_the_address(client, login):
    login("pemilik")
    page = client.get("/inbox?tab=done&q=arsip").get_data(as_text=True)
    assert 'href="/inbox?tab=done&amp;q=arsip&amp;lang=en"' in page


def test_login_page_in_english(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "<h1>Log in</h1>" in page and ">Username</label>" in page and ">Password</label>" in page


def test_task_page_in_english_keeps_the_sops_own_words(client, login, svc):
    svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean")
    row = svc.inbox(svc.users.get("pemilik"), "lanes")[0][0]
    login("pemilik")
    page = client.get(f"/tasks/{row.id}?lang=en").get_data(as_text=True)
    assert "Quality standard" in page and "Required inputs" in page and "Standard time" in page
    assert "3 working days" in page and ">Complete</button>" in page and ">Claim task</button>" in page
    assert "Identifikasi kebutuhan aplikasi baru" in page  # the step's name comes from the BPMN
    response = client.post(f"/tasks/{row.id}/complete?lang=en", data={})
    assert response.status_code == 422 and "Required." in response.get_data(as_text=True)
    # the language link of the refused form leads back to the task page
    assert f'href="/tasks/{row.id}/complete?lang=id"' in response.get_data(as_text=True)
    response = client.get(f"/tasks/{row.id}/complete?lang=id")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{row.id}?lang=id"


def test_dates_are_formatted_the_indonesian_way(app):
    from webapp.i18n import format_minutes, format_moment

    moment = datetime(2026, 11, 27, 7, 30, tzinfo=timezone.utc)  # 14.30 in Jakarta
    with app.test_request_context("/"):
        assert format_moment(moment) == "27 November 2026, 14.30 WIB"
        assert format_moment(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)) == "2 Desember 2026, 16.00 WIB"
        assert format_moment(moment, "date") == format_moment(moment, False) == "27 November 2026"
        # the short form for table cells: abbreviated month, no zone (the column header says it)
        assert format_moment(moment, "short") == "27 Nov 2026, 14.30"
        assert format_moment(datetime(2026, 8, 1, 17, 5, tzinfo=timezone.utc), "short") == "2 Agu 2026, 00.05"
        assert format_moment(moment, "short-date") == "27 Nov 2026"
        # a form's calendar day (no time, no zone)
        assert format_moment(date(2026, 11, 27), "date") == "27 November 2026"
        assert format_moment(date(2026, 12, 2)) == "2 Desember 2026"
        assert format_moment(None) == "—" and format_moment(None, "short") == "—"
        with pytest.raises(ValueError):
            format_moment(moment, "medium")
        assert format_minutes(120) == "120 menit" and format_minutes(3 * 480) == "3 hari kerja"
        assert format_minutes(480 + 30) == "1 hari kerja 30 menit" and format_minutes(0) == "0 menit"
    with app.test_request_context("/?lang=en"):
        assert format_moment(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)) == "2 December 2026, 16.00 WIB"
        assert format_moment(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc), "short") == "2 Dec 2026, 16.00"
        assert format_minutes(480) == "1 working day" and format_minutes(3 * 480 + 30) == "3 working days 30 minutes"


def test_a_missing_catalog_falls_back_to_indonesian(make_app, tmp_path):
    from webapp.extensions import babel

    empty = tmp_path / "no-translations"
    empty.mkdir()
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(empty))
    cache = babel.domain_instance.cache  # Flask-Babel caches catalogs per process, not per app
    cache.clear()
    try:
        response = app.test_client().get("/login?lang=en")
    finally:
        cache.clear()
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Masuk</h1>" in page


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def test_the_compiled_catalog_matches_the_po_file():
    po_path = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as f:
        po = read_po(f, locale="en")
    with open(po_path.with_suffix(".mo"), "rb") as f:
        mo = read_mo(f)
    def entries(catalog):
        return {(m.context, *_key(m.id)): _key(m.string) for m in catalog
                if m.id and any(_key(m.string)) and not m.fuzzy}

    assert entries(mo) == entries(po), "run: .venv/bin/pybabel compile -d webapp/translations"


def test_every_string_of_the_web_app_has_an_english_translation():
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f, locale="en")
    assert [m.id for m in po if m.id and not any(_key(m.string))] == []
    assert any(loc.startswith(PAGES) for m in po for loc, _ in m.locations)  # the catalog is the pages'


def test_the_catalog_holds_every_string_the_code_marks(tmp_path):
    """pybabel extract was run after the last new string: nothing marked is missing from the .po."""
    import subprocess
    import sys

    root = TRANSLATIONS.parent.parent
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; "
                    "sys.argv[0] = 'pybabel'; sys.exit(main())", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
                   cwd=root, capture_output=True, check=True)
    with open(pot, "rb") as f:
        extracted = {(m.context, *_key(m.id)) for m in read_po(f) if m.id}
    with open(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        known = {(m.context, *_key(m.id)) for m in read_po(f, locale="en") if m.id}
    assert len(extracted) > 400  # the extraction found the app's strings
    assert sorted(extracted - known, key=str) == [], "run the extract/update commands in babel.cfg"


def test_a_requests_words_follow_a_forced_language_and_come_back(app):
    """The request's translations are found once per request and language (webapp.i18n's memo):
    a mail drawn in its reader's language inside a page's request says its words in that
    language, and the page's words after it are in the page's language again."""
    from flask import render_template_string
    from flask_babel import force_locale

    from webapp.i18n import format_minutes

    words = "{{ _('Kotak Masuk') }}|{{ ngettext('%(num)d menit', '%(num)d menit', 2) }}|{{ pgettext('plural', 'Langkah') }}"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(words) == "Inbox|2 minutes|Steps"
        with force_locale("id"):
            assert render_template_string(words) == "Kotak Masuk|2 menit|Langkah"
            assert format_minutes(480) == "1 hari kerja"
        assert render_template_string(words) == "Inbox|2 minutes|Steps"
        assert format_minutes(480) == "1 working day"
    with app.test_request_context("/"):
        assert render_template_string(words) == "Kotak Masuk|2 menit|Langkah"


def test_moments_read_as_babel_writes_them(app):
    """format_moment keeps babel's parsed patterns; its words are babel's own, in both languages."""
    from babel.dates import format_date, format_datetime
    from zoneinfo import ZoneInfo

    from webapp.i18n import MOMENT_PATTERNS, format_moment

    jakarta = ZoneInfo("Asia/Jakarta")
    moments = [datetime(2026, month, 28 - month, 23 - month, 4 * month, tzinfo=timezone.utc) for month in range(1, 13)]
    for lang in ("id", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for m in moments:
                for style, pattern in MOMENT_PATTERNS.items():
                    expected = format_datetime(m.astimezone(jakarta), pattern, locale=lang)
                    assert format_moment(m, style) == expected + (" WIB" if style == "long" else "")
                assert format_moment(m.date(), "date") == format_date(m.date(), MOMENT_PATTERNS["date"], locale=lang)
    # a pattern with a field the fast writer does not know is written by babel itself
    from babel.core import Locale

    from webapp.i18n import _writer

    for lang in ("id", "en"):
        assert _writer("EEEE, d MMMM y", Locale.parse(lang))(moments[0]) == \
            format_datetime(moments[0], "EEEE, d MMMM y", locale=lang)


def test_ages_read_as_babel_writes_them(app):
    """A case's age is kept per language, unit and number; every one reads as babel writes it,
    the units' edges (where 1.1 of a unit switches to it) and negative spans included."""
    from babel.dates import format_timedelta

    from webapp.i18n import _AGES, AGE_THRESHOLD, format_age

    spans = [timedelta(seconds=s) for s in (0, 1, 59, 65, 66, 90, 3599, 3960, 86399)]
    spans += [timedelta(days=d, hours=h) for d in (0, 1, 3, 6, 7, 8, 13, 29, 32, 33, 200, 364, 365, 402, 403, 900)
              for h in (0, 5, 11, 12, 23)]
    spans += [-s for s in spans[:12]]
    for lang in ("id", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for _round in range(2):  # the second round reads what the first one kept
                for span in spans:
                    assert format_age(span) == format_timedelta(span, threshold=AGE_THRESHOLD, locale=lang), span
    assert {lang for lang, _unit, _n in _AGES} == {"id", "en"}
    with app.test_request_context("/?lang=id"):
        assert format_age(timedelta(days=3)) == "3 hari"
    with app.test_request_context("/?lang=en"):
        assert format_age(timedelta(days=3)) == "3 days"
