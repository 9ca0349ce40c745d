"""Ids beyond the column range and huge page numbers answer 404 or a far page, never 500 (issue 11)."""
from __future__ import annotations

import pytest

from engine.unit_of_work import MAX_LIMIT, MAX_OFFSET, bounded_page


@pytest.mark.parametrize("path, status", [
    ("/api/instances/3000000000", 404), ("/api/attachments/3000000000", 404),
    ("/api/instances/99999999999999999999999", 404), ("/instances/3000000000", 404),
    ("/inbox?page=99999999999999999999", 200), ("/instances/?page=999999999999", 200),
    ("/admin/audit?page=999999999999999999999", 200),
    ("/api/instances?offset=99999999999999999999&limit=99999999999999", 200), ("/api/tasks?offset=-5", 200),
    ("/processes/pengembangan_aplikasi_egov?version=99999999999999999999", 404),
])
def test_ids_and_pages_out_of_range(client, login, tokens, path, status, any_db):
    login("admin")
    response = client.get(path, headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert response.status_code == status, (path, response.status_code)


def test_bounded_page():
    assert bounded_page(10**30, 10**30) == (MAX_LIMIT, MAX_OFFSET)
    assert bounded_page(0, -1) == (1, 0)
