"""Deliverable storage: bytes on disk under their sha256, refusing unsafe names and types."""
from __future__ import annotations

import errno
import hashlib
import mimetypes
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import Invalid, Problem, TooLarge

#: What a government office attaches to a step: documents, sheets, slides, images, archives.
ALLOWED_EXTENSIONS = {
    "pdf", "doc", "docx", "odt", "rtf", "txt", "md", "xls", "xlsx", "ods", "csv", "ppt", "pptx",
    "odp", "png", "jpg", "jpeg", "gif", "webp", "zip", "7z", "tar", "gz", "bpmn", "xml", "json",
    "vsdx", "drawio",
}
_CHUNK = 1024 * 1024


@dataclass
class StoredFile:
    sha256: str
    size: int
    filename: str
    content_type: str


def check_filename(name: str | None) -> str:
    """Return a safe display name or refuse: no paths, no traversal, an allowed extension."""
    problems = []
    raw = name or ""
    if not raw.strip():
        problems.append(Problem("file.no_name", field="file"))
    elif "/" in raw or "\\" in raw or raw.startswith(".") or ".." in raw:
        problems.append(Problem("file.has_path", field="file", name=raw[:100]))
    elif any(unicodedata.category(ch).startswith("C") for ch in raw):
        problems.append(Problem("file.control_chars", field="file"))
    elif len(raw.encode("utf-8")) > 200:
        problems.append(Problem("file.name_too_long", field="file"))
    else:
        ext = raw.rsplit(".", 1)[-1].lower() if "." in raw else ""
        if ext not in ALLOWED_EXTENSIONS:
            problems.append(Problem("file.bad_type", field="file", ext=f".{ext}",
                                        allowed=", ".join(sorted(ALLOWED_EXTENSIONS)))
                            if ext else Problem("file.no_extension", field="file"))
    if problems:
        raise Invalid("attachment.invalid", problems)
    return re.sub(r"\s+", " ", raw.strip())


def move_file(source: Path, target: Path) -> bool:
    """Move one stored file (a rename; a copy then a rename where the archive folder is another
    file system, so a reader never sees half a file). False if it was gone already."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = target.with_name(f".moving-{target.name}")
    try:
        shutil.copy2(source, partial)
    except FileNotFoundError:
        return False
    os.replace(partial, target)
    source.unlink(missing_ok=True)
    return True


#: The sub-folder of the store that holds the bytes only archived cases refer to
#: (engine/ops_retention.py): the same layout, so it can live on cheaper storage (a mount) and
#: goes into backups with the rest of the store.
ARCHIVE_DIR = "archive"


class FileStore:
    """Bytes under ``root/ab/ab…`` (their sha256); bytes only archived cases refer to are moved to
    ``root/archive/ab/ab…``. Readers ask :meth:`path_for`, which finds either."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    @property
    def archive_root(self) -> Path:
        return self.root / ARCHIVE_DIR

    def live_path(self, sha256: str) -> Path:
        """Where bytes a live case (or a template) refers to are kept."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def archive_path(self, sha256: str) -> Path:
        """Where bytes only archived cases refer to are kept."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256")
        return self.archive_root / sha256[:2] / sha256

    def path_for(self, sha256: str) -> Path:
        """Where the bytes are: the live folder, else the archive folder (else the live path,
        which does not exist: the caller says the file is missing). A file moved between the
        two while a reader opens it is found on its second look."""
        live = self.live_path(sha256)
        if live.exists():
            return live
        archived = self.archive_path(sha256)
        return archived if archived.exists() else live

    def save(self, filename: str | None, stream: BinaryIO) -> StoredFile:
        """Stream to a temporary file, hashing as we go; refuse beyond ``max_bytes``."""
        name = check_filename(filename)
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge("file.too_large", n=self.max_bytes // (1024 * 1024))
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise Invalid("attachment.invalid", [Problem("file.empty", field="file")])
            sha = digest.hexdigest()
            final = self.live_path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            archived = self.archive_path(sha)
            if not final.exists() and archived.exists():
                # bytes an archived case holds are wanted by a live one again: back to the live folder
                try:
                    os.replace(archived, final)
                except FileNotFoundError:
                    pass
            if final.exists():
                os.unlink(tmp)
                # the bytes are wanted again: fresh, so a collection of orphaned files that runs
                # before this upload's row is written leaves them (engine/ops_retention.py)
                os.utime(final)
            else:
                os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return StoredFile(sha256=sha, size=size, filename=name, content_type=content_type)
