"""The people of a case hear of its thread and of its withdrawal: a comment that names someone
with @username tells them (never the author), and a withdrawn case tells the person who started it."""
from __future__ import annotations

from helpers.sop_walk import SOP_KEY


def events(svc, username: str) -> list[str]:
    return [n.event for n in svc.notifications(svc.users.get(username))]


def test_a_comment_naming_people_tells_them_and_not_the_author(svc, any_db):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    svc.add_comment(instance.id, owner, "@analis mohon dibaca, @pemilik @tidak_ada")
    assert events(svc, "analis").count("mention") == 1
    assert "mention" not in events(svc, "pemilik")
    svc.add_comment(instance.id, owner, "tanpa menyebut siapa pun")
    assert events(svc, "analis").count("mention") == 1


def test_a_withdrawn_case_tells_its_submitter(svc, any_db):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi yang batal")
    svc.withdraw(instance.id, owner, "Kebutuhan sudah dipenuhi aplikasi lain")
    assert events(svc, "pemilik").count("case_withdrawn") == 1
