"""The ``alur`` command line (a Flask CLI group): init, serve, deploy, user, token, tick, check,
backup, restore."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from engine.errors import AlurError

from .services import service

DEMO_PASSWORD = "demo12345"
#: Demo users' addresses (a reserved domain: with no ALUR_SMTP_URL, mail lands in instance/mail/).
DEMO_MAIL_DOMAIN = "dinas.example"
def _employee(nip: str, position: str, rank: str) -> dict[str, str]:
    return {"nip": nip, "position": position, "rank": rank,
            "unit": "Bidang E-Government, Persandian dan Statistik, Dinas Komunikasi dan Informatika"}


#: One demo user per lane of the SOP, staff with the SOP's qualifications, and an admin.
DEMO_USERS = [
    ("pemilik", "Rina Pemilik (Dinas Kesehatan)", ["Instansi Pemilik"], {}),
    ("analis", "Dewi Analis", ["System Analyst"], {"education_level": "S-1", "field_of_study": "Sistem Informasi",
                                                   "expertise": "analisis kebutuhan, pemodelan data",
                                                   **_employee("198805122014032004", "Analis Sistem Informasi",
                                                               "Penata / III-c")}),
    ("kabid", "Hendra Kabid E-Gov", ["Bidang E-Gov, Persandian dan Statistik"],
     _employee("197503152000031002", "Kepala Bidang E-Government, Persandian dan Statistik", "Pembina / IV-a")),
    ("kasi", "Yusuf Kasi Sistem", ["Kasi Sistem"],
     _employee("198101202006041003", "Kepala Seksi Sistem Informasi", "Penata Tingkat I / III-d")),
    ("budi", "Budi Santoso", ["Staf"], {"education_level": "S-1", "field_of_study": "Teknik Informatika",
                                       "expertise": "pemrograman web dan mobile, keamanan jaringan",
                                       **_employee("199002142015031001", "Pranata Komputer Ahli Pertama",
                                                   "Penata Muda / III-a")}),
    ("sari", "Sari Wulandari", ["Staf"], {"education_level": "D-III", "field_of_study": "Manajemen Informatika",
                                         "expertise": "pemrograman web, basis data",
                                         **_employee("199307072019022002", "Pranata Komputer Terampil",
                                                     "Pengatur / II-c")}),
    ("andi", "Andi Pratama", ["Staf"], {"education_level": "SMA", "field_of_study": "", "expertise": ""}),
    ("admin", "Administrator", ["Process Owner"], {}),
]


def _fail(exc: AlurError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for problem in getattr(exc, "problems", []):
        click.echo(f"  - {problem}", err=True)
    sys.exit(1)


@click.command("init")
@click.option("--demo", is_flag=True, help="Also create one demo user per lane and an admin.")
@with_appcontext
def init_command(demo: bool) -> None:
    """Create/upgrade the schema and deploy every processes/*.bpmn not yet deployed."""
    from .database import upgrade_schema

    upgrade_schema()
    svc = service()
    try:
        deployed = svc.deploy_directory()
    except AlurError as exc:
        _fail(exc)
    for d in deployed:
        click.echo(f"deployed {d.key} v{d.version}")
    click.echo("database ready: " + current_app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1])
    if demo:
        click.echo(f"\ndemo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, roles, profile in DEMO_USERS:
            if svc.find_user(username) is None:
                svc.create_user(None, username, DEMO_PASSWORD, roles, is_admin=(username == "admin"),
                                full_name=name, email=f"{username}@{DEMO_MAIL_DOMAIN}", **profile)
            click.echo(f"  {username:<8} {', '.join(roles) if username != 'admin' else 'admin, Process Owner'}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not start `alur worker` beside the server (run it elsewhere).")
def serve_command(host: str, port: int, workers: int, no_worker: bool) -> None:
    """Serve the web app with gunicorn, and the worker (timers, reminders, mail) beside it."""
    import subprocess

    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 27's control socket is one per home directory: several servers
                # (tests, make run beside a test run) would fight over it; alur doesn't use it.
                self.cfg.set("control_socket_disable", True)

        def load(self):  # in each gunicorn worker, after its fork
            from . import create_app
            from .collector import tune_for_serving

            app = create_app()
            tune_for_serving()
            return app

    click.echo(f"alur serving on http://{host}:{port}/")
    worker = None
    if not no_worker:
        worker = subprocess.Popen([sys.executable, "-c", "from webapp.cli import main; main()", "worker",
                                   "--parent", str(os.getpid())])
    try:
        Server().run()
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


@click.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--default-role", default=None,
              help="Role that does the steps the diagram gives to nobody (default: Process Owner).")
@with_appcontext
def deploy_command(files: tuple[Path, ...], default_role: str | None) -> None:
    """Validate and deploy FILE.bpmn [MORE.bpmn TABLE.dmn ...] together, as a new version of each
    executable process they hold; prints KEY vN for each."""
    try:
        deployed = service().deploy_files([(f.name, f.read_bytes()) for f in files], default_role=default_role)
    except AlurError as exc:
        _fail(exc)
    for definition, created in deployed:
        click.echo(f"{definition.key} v{definition.version}" + ("" if created else " (unchanged)"))


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("add")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--role", "roles", multiple=True, help="A lane name; repeat for several.")
@click.option("--admin", is_flag=True)
@click.option("--email", default="", help="Where notifications go.")
@click.option("--full-name", "full_name", default="", help="The person's name as pages and messages show it.")
@with_appcontext
def user_add(name: str, password: str, roles: tuple[str, ...], admin: bool, email: str, full_name: str) -> None:
    """Create a user; a role is a lane name."""
    email = email.strip()
    if email and ("@" not in email or len(email) > 200 or any(c.isspace() for c in email)):
        click.echo("error: --email is not an email address (name@host, at most 200 characters)", err=True)
        sys.exit(1)
    if len(full_name) > 200:
        click.echo("error: --full-name has at most 200 characters", err=True)
        sys.exit(1)
    svc = service()
    try:
        user = svc.create_user(None, name, password, roles, is_admin=admin, email=email, full_name=full_name.strip())
    except AlurError as exc:
        _fail(exc)
    click.echo(f"user {user.username} created" + (f" with roles: {', '.join(roles)}" if roles else ""))


@click.group("token")
def token_group() -> None:
    """API tokens."""


@token_group.command("create")
@click.argument("name")
@click.option("--purpose", default="cli", show_default=True, help="what the token is for (shown in its list)")
@click.option("--days", type=int, default=365, show_default=True, help="days until it expires (0: never)")
@with_appcontext
def token_create(name: str, purpose: str, days: int) -> None:
    """Print a new API token for user NAME (stored hashed)."""
    svc = service()
    try:
        token = svc.create_token(None, name, purpose, days=days or None)
    except AlurError as exc:
        _fail(exc)
    click.echo(token)


@token_group.command("list")
@click.argument("name")
@with_appcontext
def token_list(name: str) -> None:
    """List user NAME's API tokens: id, name, created, last used, expiry."""
    svc = service()
    try:
        tokens = svc.api_tokens(svc.get_user(name))
    except AlurError as exc:
        _fail(exc)
    click.echo("id\tname\tcreated\tlast used\texpires")
    for t in tokens:
        click.echo("\t".join([str(t.id), t.name, t.created_at.isoformat(timespec="seconds"),
                              t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "never",
                              t.expires_at.isoformat(timespec="seconds") if t.expires_at else "never"]))


@token_group.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@with_appcontext
def token_revoke(token_id: int) -> None:
    """Revoke the API token ID (from 'alur token list'): it stops working at once."""
    svc = service()
    try:
        token = svc.revoke_token(None, token_id)
    except AlurError as exc:
        _fail(exc)
    click.echo(f"token {token.id} ({token.name}) of {token.user.username} revoked")


@click.command("check")
@click.option("--repair", is_flag=True, help="fix what can be fixed safely from the cases' state")
@with_appcontext
def check_command(repair: bool) -> None:
    """Compare every open case's state with its task rows and every attachment with its file;
    exit 1 on differences."""
    differences = service().check(repair=repair)
    for difference in differences:
        click.echo(str(difference))
    unrepaired = [d for d in differences if not d.repaired]
    click.echo(f"{len(differences)} difference(s)" + (f", {len(differences) - len(unrepaired)} repaired"
                                                       if repair else "") if differences else "no differences")
    sys.exit(1 if differences else 0)


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Fire due timers and mark overdue tasks once, deliver notifications, then exit."""
    from .worker import one_pass

    result = one_pass(current_app._get_current_object())
    click.echo(f"timers fired: {result['timers_fired']}, tasks marked overdue: {result['tasks_marked_overdue']}, "
               f"near due: {result['tasks_marked_near_due']}, notifications sent: {result['sent']}, "
               f"failed: {result['failed']}, cases archived: {result.get('cases_archived', 0)}")


@click.command("worker")
@click.option("--interval", type=float, default=None,
              help="Seconds between passes (default ALUR_WORKER_INTERVAL or 10).")
@click.option("--parent", type=int, default=None, hidden=True)
@with_appcontext
def worker_command(interval: float | None, parent: int | None) -> None:
    """Run until SIGTERM: fire timers, mark near-due/overdue steps, deliver notifications."""
    import logging

    from engine.mailer import parse_smtp_url

    from .collector import tune_for_serving
    from .worker import run

    app = current_app._get_current_object()
    tune_for_serving()
    if app.config.get("ALUR_SMTP_URL"):
        try:
            server = parse_smtp_url(app.config["ALUR_SMTP_URL"])
        except ValueError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        click.echo(f"alur worker: mail through {server}")
    else:
        click.echo(f"alur worker: no ALUR_SMTP_URL, mail is written to {app.config['ALUR_MAIL_DIR']}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(app, interval if interval is not None else float(app.config["ALUR_WORKER_INTERVAL"]), parent)


@click.command("archive")
@click.option("--after-months", type=click.IntRange(1, 1200), default=None,
              help="Archive cases that ended more than this many months ago "
                   "[default: ALUR_ARCHIVE_AFTER_MONTHS, else 12].")
@click.option("--dry-run", is_flag=True, help="Say what would be archived and removed; change nothing.")
@click.option("--limit", type=click.IntRange(1, None), default=None, help="Archive at most this many cases.")
@with_appcontext
def archive_command(after_months: int | None, dry_run: bool, limit: int | None) -> None:
    """Archive finished cases (their state becomes their final data; steps, events and files
    stay) and remove files no attachment refers to any more."""
    months = after_months or current_app.config["ALUR_ARCHIVE_AFTER_MONTHS"]
    try:
        report = service().archive_finished(None, after_months=months, dry_run=dry_run, limit=limit)
    except AlurError as exc:
        _fail(exc)
    verb = "would archive" if dry_run else "archived"
    click.echo(f"{verb} {report.cases} case(s) that ended before {report.cutoff.date().isoformat()} "
               f"({months} months), {report.state_bytes / 1024:.1f} KB of state"
               + (f": {', '.join(map(str, report.case_ids))}{' …' if report.cases > len(report.case_ids) else ''}"
                  if report.case_ids else ""))
    verb = "would compact" if dry_run else "compacted"
    click.echo(f"{verb} {report.task_rows} task row(s): {report.task_bytes / 1024:.1f} KB of form data "
               "their submissions keep")
    verb = "would move" if dry_run else "moved"
    click.echo(f"{verb} {report.files_moved} file(s) no live case refers to, {report.moved_bytes / 1024:.1f} KB, "
               "to the archive folder")
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {report.orphan_files} orphaned file(s), {report.orphan_bytes / 1024:.1f} KB"
               + (f": {', '.join(report.orphan_paths)}{' …' if report.orphan_files > len(report.orphan_paths) else ''}"
                  if report.orphan_paths else ""))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write the database and the files folder, with a manifest of hashes, to one new archive PATH
    (safe while alur runs)."""
    try:
        report = service().backup(path)
    except AlurError as exc:
        _fail(exc)
    click.echo(f"backup written: {report.path} ({report.database}, revision {report.revision}, "
               f"{report.files} file(s), {report.bytes / 1024:.1f} KB of files)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database and files folder that are not empty")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Check the archive PATH (manifest, every hash), then replace the database and the files folder
    with it. Stop the web workers and the worker first; run `alur init` and `alur check` after."""
    try:
        report = service().restore(path, force=force)
    except AlurError as exc:
        _fail(exc)
    click.echo(f"restored: {report.path} ({report.database}, revision {report.revision}, "
               f"{report.files} file(s)); now run `alur init` then `alur check`")


def register_commands(app) -> None:
    for command in (init_command, serve_command, deploy_command, user_group, token_group, tick_command,
                    worker_command, check_command, archive_command, backup_command, restore_command):
        app.cli.add_command(command)


def main() -> None:
    from . import create_app

    cli = FlaskGroup(create_app=create_app, add_default_commands=False,
                     help="alur: run SOPs as living BPMN processes.")
    cli.main(prog_name="alur")
