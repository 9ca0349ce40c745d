"""A case's documents as one ZIP file, a folder per step (for the office's archive)."""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Callable, Iterable

from engine.models import Deliverable, TaskRecord

#: Archives up to this size stay in memory; larger ones spill to a temporary file.
IN_MEMORY_BYTES = 32 * 1024 * 1024
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def folder_name(task: TaskRecord | None) -> str:
    """``02 Pembuatan spesifikasi kebutuhan``: the step's number and name, safe as a folder name
    on Windows too (a name may hold a slash: "aplikasi baru / pengembangan")."""
    if task is None:
        return "lain-lain"
    name = _UNSAFE.sub("-", task.name).strip(" .-")[:80] or task.bpmn_id
    return f"{task.step:02d} {name}" if task.step is not None else name


def write_archive(files: Iterable[Deliverable], steps: dict[str, TaskRecord], path_for: Callable[[str], Path],
                  tz, extra: Iterable[tuple[str, bytes]] = ()) -> IO[bytes]:
    """The ZIP, rewound and ready to send. A document missing from storage is listed in
    ``HILANG.txt`` instead of failing the whole archive. ``extra``: files at the top of the
    archive (the case record). ``path_for``: where the file store keeps a file of this sha256."""
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)
    used: set[str] = set()
    missing: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            folder = folder_name(steps.get(f.task_id))
            path = path_for(f.sha256) if f.sha256 is not None else None  # a PDF that failed to draw
            if path is None or not path.exists():
                missing.append(f"{folder}/{f.filename}")
                continue
            stem, dot, ext = f.filename.rpartition(".")
            name, n = f"{folder}/{f.filename}", 1
            while name in used:  # the same file name twice in a step (a revised document)
                n += 1
                name = f"{folder}/{stem} ({n}).{ext}" if dot else f"{folder}/{f.filename} ({n})"
            used.add(name)
            info = zipfile.ZipInfo(name, date_time=f.uploaded_at.astimezone(tz).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target)
        for name, data in extra:
            archive.writestr(name, data)
        if missing:
            archive.writestr("HILANG.txt", "Berkas berikut tidak ada di penyimpanan:\n" + "\n".join(missing) + "\n")
    out.seek(0)
    return out
