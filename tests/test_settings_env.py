"""Settings read from the environment at start (webapp/env.py through webapp/settings.py): numbers
and switches within bounds, or the app stops at start saying which setting and why."""
from __future__ import annotations

import pytest

from webapp.settings import defaults


@pytest.mark.parametrize("name, value, words", [
    ("ALUR_MAX_UPLOAD_MB", "lima puluh", "ALUR_MAX_UPLOAD_MB must be a whole number from 1 to 10240, not 'lima puluh'"),
    ("ALUR_MAX_UPLOAD_MB", "0", "ALUR_MAX_UPLOAD_MB must be a whole number from 1 to 10240, not '0'"),
    ("ALUR_MAX_JSON_KB", "-5", "ALUR_MAX_JSON_KB must be a whole number from 1 to 102400, not '-5'"),
    ("ALUR_PROXY_COUNT", "1.5", "ALUR_PROXY_COUNT must be a whole number from 0 to 10, not '1.5'"),
    ("ALUR_DELIVERY_LEASE_SECONDS", "0", "ALUR_DELIVERY_LEASE_SECONDS must be a whole number from 1 to 86400"),
    ("ALUR_REMINDER_SHARE", "75%", "ALUR_REMINDER_SHARE must be a number from 0.05 to 1, not '75%'"),
    ("ALUR_REMINDER_SHARE", "nan", "ALUR_REMINDER_SHARE must be a number from 0.05 to 1, not 'nan'"),
    ("ALUR_WORKER_INTERVAL", "0", "ALUR_WORKER_INTERVAL must be a number from 0.1 to 86400, not '0'"),
    ("ALUR_SECURE_COOKIES", "ya", "ALUR_SECURE_COOKIES must be 1 or 0 (on or off), not 'ya'"),
])
def test_a_setting_out_of_bounds_stops_the_start_with_its_name(monkeypatch, tmp_path, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as refused:
        defaults(str(tmp_path))
    assert words in str(refused.value)


def test_settings_within_bounds_are_read_and_blank_ones_keep_their_default(monkeypatch, tmp_path):
    for name, value in (("ALUR_MAX_UPLOAD_MB", " 20 "), ("ALUR_MAX_JSON_KB", "64"), ("ALUR_PROXY_COUNT", "2"),
                        ("ALUR_REMINDER_SHARE", "0.5"), ("ALUR_WORKER_INTERVAL", "2.5"),
                        ("ALUR_DELIVERY_LEASE_SECONDS", "3"), ("ALUR_SECURE_COOKIES", "1"),
                        ("ALUR_ARCHIVE_AFTER_MONTHS", "")):
        monkeypatch.setenv(name, value)
    config = defaults(str(tmp_path))
    assert config["ALUR_MAX_UPLOAD_MB"] == 20 and config["MAX_CONTENT_LENGTH"] == 20 * 1024 * 1024 + 64 * 1024
    assert (config["ALUR_MAX_JSON_BYTES"], config["ALUR_PROXY_COUNT"]) == (64 * 1024, 2)
    assert (config["ALUR_REMINDER_SHARE"], config["ALUR_WORKER_INTERVAL"]) == (0.5, 2.5)
    assert config["ALUR_DELIVERY_LEASE_SECONDS"] == 3 and config["ALUR_ARCHIVE_AFTER_MONTHS"] == 12
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    for off in ("0", "off", "false", ""):
        monkeypatch.setenv("ALUR_SECURE_COOKIES", off)
        assert defaults(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_the_command_line_stops_with_the_setting_s_name(tmp_path):
    """``alur`` with a mistyped setting stops before doing anything, the last line saying which."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "ALUR_INSTANCE_PATH": str(tmp_path / "instance"), "ALUR_MAX_UPLOAD_MB": "50MB",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'alur.db'}"}
    done = subprocess.run([str(Path(sys.executable).with_name("alur")), "check"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1] == (
        "ValueError: ALUR_MAX_UPLOAD_MB must be a whole number from 1 to 10240, not '50MB'")
