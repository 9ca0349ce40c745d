"""Messages kept in a text column by code (engine/stored_messages.py): a case's run-time error, a
failed delivery, why a webhook stopped. Read back by code, said in the reader's language; text
written before codes existed reads back as it is."""
from __future__ import annotations

import json

from engine.messages import UNREGISTERED, Message
from engine.stored_messages import english, is_stored, loaded, stored


def test_a_message_with_a_reason_inside_comes_back_with_its_codes_and_params():
    last = Message("delivery.http_status", status=503)
    text = stored(Message("delivery.webhook_stopped", n=5, last=last))
    assert is_stored(text) and json.loads(text)["message"] == "5 deliveries failed in a row; the last: " \
        "the receiver answered HTTP 503"
    back = loaded(text)
    assert back.code == "delivery.webhook_stopped" and back.params["n"] == 5
    assert back.params["last"].code == "delivery.http_status" and back.params["last"].params == {"status": 503}
    assert str(back) == english(text) == "5 deliveries failed in a row; the last: the receiver answered HTTP 503"


def test_plain_text_from_before_and_nothing_read_back_as_they_are():
    legacy = "gateway Gateway_3: name 'spec_ok' is not defined"
    assert not is_stored(legacy) and loaded(legacy).code == UNREGISTERED and english(legacy) == legacy
    assert stored(None) is None and loaded(None) is None and english(None) is None
    assert english('{"code": broken') == '{"code": broken'
    unknown = json.dumps({"code": "no.such_code", "params": {}, "message": "old words"})
    assert loaded(unknown).code == UNREGISTERED and english(unknown) == "old words"


def test_pages_say_a_stored_message_in_their_language(make_app):
    from flask_babel import refresh

    from webapp.message_text import say

    app = make_app()
    text = stored(Message("engine.step_budget", n=301, name="Hitung ulang"))
    with app.test_request_context("/?lang=id"):
        assert say(text).startswith("Pengajuan menjalankan 301 langkah tanpa sampai pada langkah seseorang")
    with app.test_request_context("/?lang=en"):
        refresh()
        assert say(text).startswith("The case ran 301 steps without reaching a person's step or a wait (last: Hitung ulang)")
