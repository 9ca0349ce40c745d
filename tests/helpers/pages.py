"""Pages through Flask's test client: a step's page, an upload, the seed SOP's bytes."""
from __future__ import annotations

import io
from pathlib import Path

from .sop_walk import SOP_KEY


STEP1_DATA = {"nama_aplikasi": "Antrean Online", "instansi_pemilik": "Dinas Kesehatan",
              "jenis_pengembangan": "baru", "latar_belakang": "Antrean panjang\ndi loket"}


def page_of(client, task_id):
    response = client.get(f"/tasks/{task_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def upload(client, task_id, name="kebutuhan.pdf", body=b"%PDF-1.4 dokumen", **headers):
    return client.post(f"/tasks/{task_id}/attachments", data={"file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data", headers=headers)


SOP_FILE = Path(__file__).resolve().parents[2] / "processes" / f"{SOP_KEY}.bpmn"


def sop_bytes() -> bytes:
    return SOP_FILE.read_bytes()


def line_of(data: bytes, needle: bytes) -> int:
    return data[:data.index(needle)].count(b"\n") + 1
