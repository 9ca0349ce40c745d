"""Kualifikasi Pelaksana comes from the process (engine/qualifications.py): the appointment picker
checks what the SOP names, another SOP names other qualifications, and the engine knows no degree."""
from __future__ import annotations

import pytest

from engine import flowchart, sop_sheet
from engine.errors import Invalid
from engine.qualifications import Gap, Qualification, split_items
from helpers.sop_walk import SOP_KEY
from helpers.cases import advance
from helpers.pages import page_of


def candidate_html(page: str, username: str) -> str:
    part = page[page.index(f'value="{username}"'):]
    return part[:part.index("</li>")]


def test_lists_are_read_as_written_and_matched_however_spelt():
    assert split_items("D-III, S-1\nS-2; S-3.") == ("D-III", "S-1", "S-2", "S-3")
    q = Qualification.from_properties({"sop.kualifikasi.pendidikan": "S-1\nS-2",
                                       "sop.kualifikasi.bidang": "Hukum; Ilmu Pemerintahan",
                                       "sop.kualifikasi.keahlian": "penyusunan naskah dinas, tata persuratan"})
    assert q.expertise == ("penyusunan naskah dinas, tata persuratan",), "expertise keeps its commas"
    assert q.gaps("s1", "ilmu  pemerintahan", "naskah dinas") == []
    assert q.gaps("D-III", "Teknik Informatika", "") == [
        Gap("education", ("S-1", "S-2")), Gap("field", ("Hukum", "Ilmu Pemerintahan")),
        Gap("expertise", ("penyusunan naskah dinas, tata persuratan",))]
    assert Qualification().gaps("", "", "") == [], "a process that names nothing asks nothing"


def other_sop(svc, admin, **lists: str) -> None:
    """A new version of the SOP whose Kualifikasi lists say ``lists`` (written as the header editor
    writes them), the rest of the diagram as it was."""
    latest = svc.latest_definition(SOP_KEY)
    values = {f"sop.kualifikasi.{k}": v for k, v in lists.items()}
    svc.deploy(sop_sheet.with_header(latest.bpmn_xml, values, SOP_KEY), "v.bpmn", admin, expected_key=SOP_KEY)


def test_the_seed_sop_keeps_its_qualified_candidates(client, login, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi")
    row = advance(svc, case, 4)
    login("kabid")
    page = page_of(client, row.id)
    assert "Belum memenuhi kualifikasi" not in candidate_html(page, "budi")  # S-1 Teknik Informatika
    assert "Belum memenuhi kualifikasi" not in candidate_html(page, "sari")  # D-III Manajemen Informatika
    andi = candidate_html(page, "andi")  # SMA, nothing recorded
    assert "pendidikan D-III, S-1, S-2 atau S-3" in andi and "keahlian belum dicatat" in andi
    assert page.index('value="budi"') < page.index('value="andi"'), "the qualified come first"
    assert "Pendidikan D-III, S-1 atau S-2 Teknik Komputer" in page  # the SOP's own words


def test_another_sop_names_other_qualifications(client, login, svc):
    admin = svc.users.get("admin")
    other_sop(svc, admin, pendidikan="SMA, SMK", bidang="Administrasi Perkantoran", keahlian="")
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi")
    row = advance(svc, case, 4)
    login("kabid")
    page = page_of(client, row.id)
    andi, budi = candidate_html(page, "andi"), candidate_html(page, "budi")
    assert "pendidikan SMA atau SMK" not in andi and "bidang studi Administrasi Perkantoran" in andi
    assert "keahlian" not in andi.split("Belum memenuhi kualifikasi")[-1], "expertise is not asked any more"
    assert "pendidikan SMA atau SMK" in budi and "bidang studi Administrasi Perkantoran" in budi
    # the admin's user form suggests the levels this SOP names
    login("admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert '<option value="SMK">' in form


def test_the_header_editor_writes_the_lists_and_bounds_them(client, login, svc):
    login("admin")
    latest = svc.latest_definition(SOP_KEY)
    current = flowchart.read(latest.bpmn_xml, SOP_KEY).properties
    form = {name.replace(".", "_"): current.get(name, "") for name in sop_sheet.HEADER_FIELDS
            if name != "sop.disahkan_oleh"}
    signer = (current.get("sop.disahkan_oleh", "").split("\n") + ["", "", ""])[:3]
    form.update(disahkan_nama=signer[0], disahkan_nip=signer[1], disahkan_jabatan=signer[2])
    page = client.get(f"/processes/{SOP_KEY}/sop-fields").get_data(as_text=True)
    assert 'id="sop_kualifikasi_pendidikan"' in page and "D-III\nS-1\nS-2\nS-3" in page
    form["sop_kualifikasi_pendidikan"] = "S-1\nS-2"
    response = client.post(f"/processes/{SOP_KEY}/sop-fields", data=form)
    assert response.status_code == 302
    cd = svc.compiled(svc.latest_definition(SOP_KEY))
    assert cd.qualification.levels == ("S-1", "S-2") and "Teknik Informatika" in cd.qualification.fields
    form["sop_kualifikasi_bidang"] = "\n".join(f"Bidang {n}" for n in range(101))
    response = client.post(f"/processes/{SOP_KEY}/sop-fields", data=form)
    assert response.status_code == 422
    assert "sop.kualifikasi.bidang menyebut lebih dari 100 butir." in response.get_data(as_text=True)
    assert svc.compiled(svc.latest_definition(SOP_KEY)).qualification.levels == ("S-1", "S-2"), "nothing deployed"
    with pytest.raises(Invalid) as refused:
        other_sop(svc, svc.users.get("admin"), bidang="x" * 201)
    assert "longer than 200 characters" in str(refused.value)


def test_an_sop_table_brings_its_qualification_lists(svc):
    """Header rows of an SOP table name the lists; the imported process's picker checks them."""
    from helpers.sop_tables import sop_table_fixture as fixture

    text = fixture("csv").decode("utf-8-sig").replace(
        "Nomor SOP;800/017/SOP/2026\r\n",
        "Nomor SOP;800/017/SOP/2026\r\nKualifikasi pendidikan;S-1, S-2\r\n"
        "Kualifikasi bidang studi;Ilmu Komputer\r\nKualifikasi keahlian;pemrograman, basis data\r\n", 1)
    assert "Kualifikasi keahlian" in text
    result = svc.draft_from_sop_table(text.encode("utf-8"), "sop.csv", svc.users.get("admin"))
    definition, _created = svc.deploy(result.xml.encode(), "sop.bpmn", svc.users.get("admin"))
    q = svc.compiled(definition).qualification
    assert (q.levels, q.fields, q.expertise) == (("S-1", "S-2"), ("Ilmu Komputer",), ("pemrograman, basis data",))
