"""The office's settings in one place: time zone, office hours and working days (ALUR_TIMEZONE,
ALUR_OFFICE_HOURS, ALUR_WORKING_DAYS) feed the working calendar and the pages' clock; the
holidays page shows them with the year's national holidays."""
from __future__ import annotations

import html
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import WorkingCalendar, national_holidays, office_hours, office_week

WITA = ZoneInfo("Asia/Makassar")
#: Monday–Friday 07:30–16:00 and Saturday 07:30–12:00: a 5½-day week
HALF_SATURDAY = "mon-fri, sat 07:30-12:00"


def test_office_hours_and_weeks_are_read_or_refused_with_the_reason():
    assert office_hours("07:30-16:00") == (time(7, 30), time(16, 0))
    assert office_hours(" 8.00 - 15.30 ") == (time(8, 0), time(15, 30))
    day = (time(7, 30), time(16, 0))
    week = office_week(HALF_SATURDAY, day)
    assert week[:5] == (day,) * 5 and week[5] == (time(7, 30), time(12, 0)) and week[6] is None
    assert office_week("senin-kamis, jumat 07:30-11:30", day)[4] == (time(7, 30), time(11, 30))
    for hours, words in (("16:00-07:30", "end before"), ("8-16", "not like"), ("25:00-26:00", "not times")):
        with pytest.raises(ValueError, match=words):
            office_hours(hours)
    for days, words in (("fri-mon", "backwards"), ("mon-fry", "not a weekday"), (" , ", "name no day")):
        with pytest.raises(ValueError, match=words):
            office_week(days, day)


def test_a_five_and_a_half_day_week_counts_saturday_mornings():
    day = (time(7, 30), time(16, 0))
    calendar = WorkingCalendar("Asia/Makassar", *day, week=office_week(HALF_SATURDAY, day))
    assert calendar.minutes_per_day == 8 * 60 + 30
    friday_three = datetime(2026, 11, 6, 15, 0, tzinfo=WITA)
    monday_eight = datetime(2026, 11, 9, 8, 0, tzinfo=WITA)
    # Friday 15:00–16:00, Saturday 07:30–12:00, Monday 07:30–08:00 (Sunday off)
    assert calendar.between(friday_three, monday_eight) == 60 + 270 + 30
    assert calendar.add(friday_three, 60 + 100) == datetime(2026, 11, 7, 9, 10, tzinfo=WITA)
    five_day = WorkingCalendar("Asia/Makassar", *day)
    assert five_day.between(friday_three, monday_eight) == 60 + 30
    assert not five_day.is_working_day(datetime(2026, 11, 7).date()) and calendar.is_working_day(
        datetime(2026, 11, 7).date())


def test_one_setting_sets_the_calendar_and_the_pages_clock(make_app):
    app = make_app(ALUR_TIMEZONE="Asia/Makassar", ALUR_OFFICE_HOURS="07:30-16:00", ALUR_WORKING_DAYS=HALF_SATURDAY)
    config = app.extensions["alur_engine_config"]
    assert (config.timezone, config.office_start, config.office_end) == ("Asia/Makassar", time(7, 30), time(16, 0))
    assert config.office_week[5] == (time(7, 30), time(12, 0)) and config.minutes_per_day == 510
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Makassar"
    from webapp.i18n import format_minutes, format_moment, zone_name

    with app.test_request_context("/"):
        assert zone_name() == "WITA"
        assert format_moment(datetime(2026, 11, 6, 1, 0, tzinfo=ZoneInfo("UTC"))) == "6 November 2026, 09.00 WITA"
        assert format_minutes(510) == "1 hari kerja" and format_minutes(2 * 510 + 30) == "2 hari kerja 30 menit"
    for setting, value, words in (("ALUR_TIMEZONE", "Asia/Bandung", "ALUR_TIMEZONE"),
                                  ("ALUR_OFFICE_HOURS", "pagi", "ALUR_OFFICE_HOURS"),
                                  ("ALUR_WORKING_DAYS", "weekdays", "ALUR_WORKING_DAYS")):
        with pytest.raises(ValueError, match=words):
            make_app(**{setting: value})


def test_the_national_holidays_of_a_year_have_dates_and_names():
    found = dict(national_holidays(2026))
    assert found[datetime(2026, 8, 17).date()] == "Hari Kemerdekaan Republik Indonesia"
    assert any("Idul Fitri" in name for name in found.values())
    english = dict(national_holidays(2026, "en"))
    assert english[datetime(2026, 8, 17).date()] == "Independence Day"


def test_the_holidays_page_shows_the_office_week_and_the_national_holidays(make_app):
    app = make_app(ALUR_TIMEZONE="Asia/Makassar", ALUR_OFFICE_HOURS="07:30-16:00", ALUR_WORKING_DAYS=HALF_SATURDAY)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "demo12345"})
    page = html.unescape(client.get("/admin/holidays?year=2026").get_data(as_text=True))
    assert "Asia/Makassar (WITA)" in page
    assert "<th scope=\"row\">Senin–Jumat</th><td>07.30–16.00 WITA</td>" in page
    assert "<th scope=\"row\">Sabtu</th><td>07.30–12.00 WITA</td>" in page and "Minggu" not in page.split(
        "national-holidays")[0].split("office-hours")[1]
    assert "Hari libur nasional 2026" in page and "Hari Raya Idul Fitri" in page
    assert '<time datetime="2026-08-17">' in page and "Hari Kemerdekaan Republik Indonesia" in page
    page = html.unescape(client.get("/admin/holidays?year=2026&lang=en").get_data(as_text=True))
    assert "Monday–Friday" in page and "Saturday" in page and "Independence Day" in page
    assert "National holidays 2026" in page
