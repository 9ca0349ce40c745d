"""webapp/markup.py: the pieces every row repeats, written in Python, as the macros they replace wrote them."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from flask import render_template_string

MACROS = '{% from "_macros.html" import when, person, task_state, size, instance_status, user_names %}'


def test_the_pieces_read_as_before_in_both_languages(app):
    moment = datetime(2026, 11, 27, 7, 30, tzinfo=timezone.utc)
    people = {"budi": "Budi <Santoso>", "sari": "sari"}
    users = [SimpleNamespace(username="budi", full_name="Budi & Co"), SimpleNamespace(username="andi", full_name="")]
    page = (MACROS + '{{ when(m) }}|{{ when(m, "short") }}|{{ when(none) }}|{{ when(d, "date") }}|'
            '{{ person(people, "budi") }}|{{ person(people, "sari") }}|{{ person(people, "<x>") }}|{{ person(people, none) }}|'
            '{{ task_state("ready") }}|{{ task_state("odd") }}|{{ size(2048) }}|{{ size(none) }}|'
            '{{ instance_status("withdrawn") }}|{{ instance_status("running", {"running": "Jalan"}) }}|{{ user_names(users) }}')
    with app.test_request_context("/"):
        parts = render_template_string(page, m=moment, d=date(2026, 12, 2), people=people, users=users).split("|")
    assert parts == [
        '<time datetime="2026-11-27T07:30:00+00:00">27 November 2026, 14.30 WIB</time>',
        '<time class="short" datetime="2026-11-27T07:30:00+00:00" title="27 November 2026, 14.30 WIB">27 Nov 2026, 14.30</time>',
        "—",
        '<time datetime="2026-12-02">2 Desember 2026</time>',
        '<span class="person" title="budi">Budi &lt;Santoso&gt;</span>',
        "sari",
        "&lt;x&gt;",
        "—",
        '<span class="badge badge-ready">Menunggu</span>',
        '<span class="badge badge-odd">odd</span>',
        "2 KB",
        "PDF dibuat saat diunduh",
        '<span class="badge badge-withdrawn">Ditarik kembali</span>',
        '<span class="badge badge-running">Jalan</span>',
        '<span class="person" title="budi">Budi &amp; Co</span>, <span class="person" title="andi">andi</span>',
    ]
    with app.test_request_context("/?lang=en"):
        english = render_template_string(MACROS + '{{ task_state("completed") }}|{{ size(none) }}|{{ instance_status("error") }}')
    assert english.split("|") == ['<span class="badge badge-completed">Completed</span>',
                                  "PDF drawn on download", '<span class="badge badge-error">Error</span>']
