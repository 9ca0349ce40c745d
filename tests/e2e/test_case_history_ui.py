"""A case that looped many times, in a real browser at a phone's width (390 px): the page shows
its newest steps, events and rounds of answers with the older ones folded away, opens them on
demand, stays within the screen's width and is checked with axe-core each time."""
from __future__ import annotations

from playwright.sync_api import expect

from e2e_helpers import PDF, assert_accessible, login, ready_step, start_case
from helpers.sop_walk import form_data, user_for

LOOPS = 21  # the specification sent back 21 times: 1 + 2 × 21 + 1 = 44 steps, more than the 40 shown


def send_back_the_specification(api, instance_id: int, loops: int) -> None:
    """Steps 1, then 2 → 3 with step 3 asking for changes each time; the case waits at step 2."""
    rounds: dict[int, int] = {}
    sent_back = 0
    while sent_back < loops:
        task = ready_step(api, instance_id)
        user = user_for(task)
        if task["output_required"]:
            status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", user,
                                       files={"file": (f"langkah-{task['step']}.pdf", PDF)})
            assert status == 201, body
        data = form_data(task["form"], task["step"], rounds)
        if task["step"] == 3:
            data["spec_approved"] = False
            sent_back += 1
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", user, json={"data": data})
        assert status == 200, body
        rounds[task["step"]] = rounds.get(task["step"], 0) + 1


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"


def test_a_long_history_is_folded_and_opens_on_demand_on_a_phone(phone_page, api):
    page = phone_page
    instance_id = start_case(api, "Aplikasi yang terus direvisi")
    send_back_the_specification(api, instance_id, LOOPS)
    login(page, "admin")
    page.goto(f"/instances/{instance_id}")
    steps = page.locator("section[aria-labelledby='h-steps'] table.steps tbody tr")
    expect(steps).to_have_count(40)
    steps_fold = page.locator("section[aria-labelledby='h-steps'] .history-fold")
    expect(steps_fold).to_contain_text("4 langkah sebelumnya tidak ditampilkan.")
    # the newest rounds are open: the last row is the step the case waits at, in its 22nd round
    expect(steps.last).to_contain_text("Pembuatan spesifikasi kebutuhan")
    answers_fold = page.locator("section[aria-labelledby='h-answers'] .history-fold")
    expect(answers_fold).to_contain_text("jawaban putaran sebelumnya tidak ditampilkan.")
    expect(page.locator("section[aria-labelledby='h-history'] .history-fold")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)

    steps_fold.get_by_role("link", name="Tampilkan langkah sebelumnya").click()
    expect(steps).to_have_count(44)
    expect(steps_fold).to_have_count(0)
    expect(steps.first).to_contain_text("Identifikasi kebutuhan")  # the oldest step is back
    no_sideways_scroll(page)
    assert_accessible(page)

    page.locator("section[aria-labelledby='h-answers'] .history-fold").get_by_role(
        "link", name="Tampilkan semua putaran").click()
    expect(page.locator("section[aria-labelledby='h-answers'] .history-fold")).to_have_count(0)
    no_sideways_scroll(page)
    assert_accessible(page)
