"""``alur backup PATH`` / ``alur restore PATH``: the database and the files folder in one archive.

The archive is a gzipped tar holding ``manifest.json`` (alur's version, the Alembic revision, the
database kind, and the SHA-256 and size of every other member), the database (``database.sqlite3``
made with SQLite's online backup API, or ``database.dump`` from ``pg_dump --format=custom``) and
``files/…``, the files folder as it is (deliverables and document templates, named by content).
The database is copied first, then the files: files are only added, or moved between the files
folder and its archive folder (``archive/``, engine/ops_retention.py), where the copy looks for a
file that moved meanwhile, so every file the copy names is in the archive.

Restore reads the whole archive into a scratch folder beside the files folder and checks the
manifest (kind of database, every member listed, nothing unlisted, names inside the archive, each
hash and size) before it writes anything; a target that already holds people, cases or files is
refused unless ``force``. Then the database is replaced (SQLite: the backup API into the live
file; PostgreSQL: ``pg_restore --clean --if-exists --no-owner``) and the files folder is replaced
by the archive's. Run ``alur init`` afterwards: it applies migrations newer than the backup.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import URL

from . import audit
from .errors import AlurError, Conflict, Invalid
from .files import ARCHIVE_DIR
from .models import Deliverable, Instance, User
from .unit_of_work import UnitOfWork

MANIFEST = "manifest.json"
FORMAT = 1
#: A manifest is a few hundred bytes a file; this bounds what restore reads before checking.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass
class BackupReport:
    path: Path
    database: str  # sqlite | postgresql
    revision: str | None
    files: int
    bytes: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _alur_version() -> str:
    try:
        return metadata.version("alur")
    except metadata.PackageNotFoundError:
        return "unknown"


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI for pg_dump/pg_restore, the password in the environment."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise AlurError("backup.tool_missing", tool=name)
    return found


def _member_name(name: str) -> bool:
    """A name restore accepts: the manifest, the database, or a plain relative path under files/."""
    path = PurePosixPath(name)
    if name in (MANIFEST, "database.sqlite3", "database.dump"):
        return True
    return (len(path.parts) >= 2 and path.parts[0] == "files" and not path.is_absolute()
            and all(part not in ("", ".", "..") for part in path.parts))


def _moved(files_dir: Path, file: Path) -> Path | None:
    """Where a stored file went if archiving moved it since it was listed (engine/ops_retention.py
    moves bytes from ``ab/ab…`` to ``archive/ab/ab…``, an upload brings them back); restore puts it
    under the listed name, where the file store finds it too."""
    parts = file.relative_to(files_dir).parts
    if len(parts) == 2:
        other = files_dir / ARCHIVE_DIR / parts[0] / parts[1]
    elif len(parts) == 3 and parts[0] == ARCHIVE_DIR:
        other = files_dir / parts[1] / parts[2]
    else:
        return None
    return other if other.is_file() else None


class BackupOperations(UnitOfWork):
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _revision(self) -> str | None:
        if not inspect(self.session.get_bind()).has_table("alembic_version"):
            return None
        return self.session.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def _pg_schema(self) -> str:
        return self.session.execute(text("SELECT current_schema()")).scalar_one()

    def backup(self, path: Path, actor: str | None = None) -> BackupReport:
        """Write the archive to ``path`` (which must not exist yet) and audit it."""
        path = Path(path)
        if path.exists():
            raise Conflict("backup.exists", path=str(path))
        dialect = self._dialect()
        if dialect not in ("sqlite", "postgresql"):
            raise AlurError("backup.unsupported_database", database=dialect)
        revision = self._revision()
        files_dir = Path(self.config.files_dir)
        with tempfile.TemporaryDirectory(prefix="alur-backup-") as scratch:
            db_file = Path(scratch) / ("database.sqlite3" if dialect == "sqlite" else "database.dump")
            if dialect == "sqlite":
                self._sqlite_copy(db_file)
            else:
                self._pg_dump(db_file)
            members: dict[str, Path] = {db_file.name: db_file}
            if files_dir.is_dir():
                for file in sorted(p for p in files_dir.rglob("*") if p.is_file()):
                    members["files/" + file.relative_to(files_dir).as_posix()] = file
            listed = {}
            for name, file in list(members.items()):
                # archiving may move a file between the live and the archive folder meanwhile
                found = file if file.is_file() else _moved(files_dir, file)
                if found is None:  # an orphan collected meanwhile: nothing names it
                    del members[name]
                    continue
                members[name] = found
                listed[name] = {"sha256": _sha256_file(found), "size": found.stat().st_size}
            manifest = {"format": FORMAT, "alur_version": _alur_version(), "alembic_revision": revision,
                        "database": dialect, "created_at": datetime.now(timezone.utc).isoformat(),
                        "files": listed}
            partial = path.with_name(path.name + ".partial")
            try:
                with tarfile.open(partial, "w:gz") as tar:
                    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime = len(data), int(datetime.now().timestamp())
                    tar.addfile(info, io.BytesIO(data))
                    for name, file in members.items():
                        if not file.is_file():
                            file = _moved(files_dir, file) or file
                        tar.add(file, arcname=name, recursive=False)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
        files = sum(1 for name in listed if name.startswith("files/"))
        size = sum(v["size"] for name, v in listed.items() if name.startswith("files/"))
        audit.record(self.session, "backup", actor, path=str(path), database=dialect, revision=revision,
                     files=files)
        self._commit()
        return BackupReport(path, dialect, revision, files, size)

    def _sqlite_copy(self, target: Path) -> None:
        source = self.session.get_bind().url.database
        if not source or source == ":memory:":
            raise AlurError("backup.unsupported_database", database="sqlite in memory")
        self.session.commit()
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
        src.close()

    def _pg_dump(self, target: Path) -> None:
        uri, env = _libpq(self.session.get_bind().url)
        schema = self._pg_schema()
        self.session.commit()
        done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={schema}",
                               f"--file={target}", f"--dbname={uri}"], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise AlurError("backup.tool_failed", tool="pg_dump", detail=done.stderr.strip()[-500:])

    # ---- restore --------------------------------------------------------------------------------

    def target_is_empty(self) -> bool:
        """No person, case or attachment in the database and no file in the files folder (a fresh
        ``alur init`` with its deployed processes counts as empty)."""
        bind = self.session.get_bind()
        inspector = inspect(bind)
        for model in (User, Instance, Deliverable):
            if inspector.has_table(model.__tablename__) and self.session.scalar(select(model.id).limit(1)):
                return False
        files_dir = Path(self.config.files_dir)
        return not (files_dir.is_dir() and any(p.is_file() for p in files_dir.rglob("*")))

    def restore(self, path: Path, *, force: bool = False, actor: str | None = None) -> BackupReport:
        """Check the archive at ``path`` in full, then replace the database and the files folder
        with its contents (see the module's docstring)."""
        path = Path(path)
        if not path.is_file():
            raise Invalid("backup.not_an_archive", path=str(path), reason="no such file")
        dialect = self._dialect()
        if not force and not self.target_is_empty():
            raise Conflict("backup.target_not_empty")
        files_dir = Path(self.config.files_dir)
        files_dir.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".alur-restore-", dir=files_dir.parent) as scratch_name:
            scratch = Path(scratch_name)
            manifest = self._unpack_checked(path, scratch)
            if manifest["database"] != dialect:
                raise Invalid("backup.wrong_database", found=manifest["database"], database=dialect)
            self.session.commit()
            self.session.close()
            if dialect == "sqlite":
                self._sqlite_restore(scratch / "database.sqlite3")
            else:
                self._pg_restore(scratch / "database.dump")
            old = files_dir.with_name(files_dir.name + ".before-restore")
            if old.exists():
                shutil.rmtree(old)
            if files_dir.exists():
                files_dir.rename(old)
            (scratch / "files").mkdir(exist_ok=True)
            (scratch / "files").rename(files_dir)
            shutil.rmtree(old, ignore_errors=True)
        listed = manifest["files"]
        files = sum(1 for name in listed if name.startswith("files/"))
        size = sum(v["size"] for name, v in listed.items() if name.startswith("files/"))
        audit.record(self.session, "restore", actor, path=str(path), revision=manifest["alembic_revision"],
                     files=files, created_at=manifest["created_at"])
        self._commit()
        return BackupReport(path, dialect, manifest["alembic_revision"], files, size)

    def _unpack_checked(self, path: Path, scratch: Path) -> dict[str, Any]:
        """Every member written under ``scratch`` with its hash checked against the manifest;
        :class:`Invalid` on the first thing that does not match (nothing outside ``scratch`` touched)."""
        def bad(reason: str) -> Invalid:
            return Invalid("backup.not_an_archive", path=str(path), reason=reason)

        try:
            tar = tarfile.open(path, "r:*")
        except (tarfile.TarError, OSError) as exc:
            raise bad(f"not a tar archive ({exc})") from None
        with tar:
            try:
                first = tar.next()
                if first is None or first.name != MANIFEST or not first.isfile() or first.size > MAX_MANIFEST_BYTES:
                    raise bad("the first member is not manifest.json")
                manifest = json.loads(tar.extractfile(first).read())
                listed = manifest["files"]
                if manifest.get("format") != FORMAT or manifest.get("database") not in ("sqlite", "postgresql"):
                    raise bad("unknown manifest format or database")
                if not all(isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("size"), int)
                           for v in listed.values()):
                    raise bad("a manifest entry lacks its sha256 or size")
                seen: set[str] = set()
                for member in tar:
                    if member.offset == first.offset:
                        continue
                    name = member.name
                    if not member.isfile() or not _member_name(name) or name not in listed or name in seen:
                        raise bad(f"unexpected member '{name}'")
                    if member.size != listed[name]["size"]:
                        raise bad(f"'{name}' has {member.size} bytes, the manifest says {listed[name]['size']}")
                    target = scratch.joinpath(*PurePosixPath(name).parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    with tar.extractfile(member) as src, target.open("wb") as dst:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            dst.write(chunk)
                    if digest.hexdigest() != listed[name]["sha256"]:
                        raise bad(f"'{name}' does not match its sha256 in the manifest")
                    seen.add(name)
            except (tarfile.TarError, OSError, EOFError, ValueError, KeyError, AttributeError, TypeError) as exc:
                raise bad(f"damaged archive ({exc.__class__.__name__}: {exc})") from None
        missing = sorted(set(listed) - seen)
        if missing:
            raise bad(f"missing member(s): {', '.join(missing[:5])}")
        database = "database.sqlite3" if manifest["database"] == "sqlite" else "database.dump"
        if database not in seen:
            raise bad(f"no {database}")
        return manifest

    def _sqlite_restore(self, source: Path) -> None:
        bind = self.session.get_bind()
        bind.dispose()
        with sqlite3.connect(source) as src, sqlite3.connect(bind.url.database) as dst:
            src.backup(dst)
        dst.close()
        src.close()

    def _pg_restore(self, source: Path) -> None:
        bind = self.session.get_bind()
        uri, env = _libpq(bind.url)
        tool = _tool("pg_restore")
        bind.dispose()
        done = subprocess.run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               f"--dbname={uri}", str(source)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise AlurError("backup.tool_failed", tool="pg_restore", detail=done.stderr.strip()[-500:])
