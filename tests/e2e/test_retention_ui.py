"""The retention page: an admin sets the policy on a phone, the server's own worker applies it
(no cron) and the page shows the last run; axe-clean in both languages."""
from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from e2e_helpers import assert_accessible, login
from engine.models import Instance, utcnow
from engine.ops_retention import months_before
from helpers.sop_walk import SOP_KEY


def _old_finished_case(svc) -> int:
    owner, admin = svc.users.get("pemilik"), svc.users.get("admin")
    case = svc.start(SOP_KEY, owner, "Kasus tiga tahun lalu")
    svc.attach(svc.instance_tasks(case.id)[0].id, owner, "lama.pdf", io.BytesIO(b"%PDF-1.4 lama sekali"))
    svc.set_status(case.id, admin, "terminate", "tidak dilanjutkan")
    svc.session.execute(update(Instance).where(Instance.id == case.id)
                        .values(ended_at=months_before(utcnow(), 36) - timedelta(days=1)))
    svc.session.commit()
    return case.id


@pytest.fixture
def quick_worker(monkeypatch):
    """The server (``live_server`` reads the environment) runs its worker every second."""
    monkeypatch.setenv("ALUR_WORKER_INTERVAL", "1")


def test_an_admin_sets_the_policy_on_a_phone_and_the_worker_applies_it(quick_worker, svc, phone_page):
    case_id = _old_finished_case(svc)
    page = phone_page
    login(page, "admin")
    page.goto("/admin/retention")
    expect(page.get_by_role("heading", name="Retensi arsip", level=1)).to_be_visible()
    expect(page.locator("#policy-now")).to_have_text("Tidak ada pengarsipan otomatis.")
    expect(page.get_by_text("Belum pernah dijalankan oleh worker.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)

    page.get_by_label("Arsipkan pengajuan yang selesai lebih dari … bulan lalu").fill("24")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Pengajuan yang selesai lebih dari 24 bulan lalu akan diarsipkan oleh worker.")).to_be_visible()
    expect(page.locator("#policy-now")).to_contain_text("lebih dari 24 bulan lalu")

    deadline = time.monotonic() + 60  # the server's worker runs every second here
    while not page.locator("#last-run").count() and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    last = page.locator("#last-run")
    expect(last.get_by_role("row", name="Pengajuan diarsipkan 1")).to_be_visible()
    expect(last.get_by_role("row", name="Berkas dipindahkan ke folder arsip 1 (20 B)")).to_be_visible()
    svc.session.expire_all()
    assert svc.session.get(Instance, case_id).archived_at is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)

    page.goto("/admin/retention?lang=en")
    expect(page.locator("#policy-now")).to_contain_text("more than 24 months ago")
    expect(page.locator("#last-run").get_by_role("row", name="Cases archived 1")).to_be_visible()
    assert_accessible(page)
    # the archived case's file still downloads, from the archive folder
    page.goto(f"/instances/{case_id}")
    expect(page.get_by_role("link", name="lama.pdf").first).to_be_visible()
