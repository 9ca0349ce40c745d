"""Notifications as people and admins see them: in-app list and unread count, preferences,
webhooks, failed deliveries."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import bindparam, func, select, update

from . import audit, delivery, outbox
from .errors import Invalid, NotAllowed, NotFound, Problem
from .models import User, utcnow
from .notification_models import FAILED, Notification, NotificationPreference, Webhook
from .unit_of_work import rolls_back_on_refusal, UnitOfWork, valid_id as _valid_id
from .webhook_client import check_url

MAX_PAGE = 200
#: The menu's unread count, asked on every page. Built once, as every statement a page or a
#: completion sends: building one and its cache key costs more than running it (docs/benchmarks.md).
_UNREAD = select(func.count()).select_from(Notification).where(
    Notification.user_id == bindparam("user_id"), Notification.channel == "app", Notification.read_at.is_(None))


class NotificationOperations(UnitOfWork):
    # ---- in the app ---------------------------------------------------------------------------
    def notifications(self, user: User, *, unread_only: bool = False, limit: int = 30,
                      before_id: int | None = None) -> list[Notification]:
        """A person's in-app notifications, newest first (keyset paging by id)."""
        query = select(Notification).where(Notification.user_id == user.id, Notification.channel == "app")
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        if before_id is not None and _valid_id(before_id):
            query = query.where(Notification.id < before_id)
        return list(self.session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, MAX_PAGE)))))

    def notification(self, user: User, notification_id: int) -> Notification | None:
        """One of the person's own in-app notifications (None for anyone else's)."""
        if not _valid_id(notification_id):
            return None
        found = self.session.get(Notification, notification_id)
        return found if found is not None and found.user_id == user.id and found.channel == "app" else None

    def unread_count(self, user: User) -> int:
        return self.session.scalar(_UNREAD, {"user_id": user.id}) or 0

    def mark_read(self, user: User, notification_ids: list[int] | None = None) -> int:
        """Mark some (or, with None, all) of a person's own notifications read."""
        statement = update(Notification).where(Notification.user_id == user.id, Notification.channel == "app",
                                               Notification.read_at.is_(None))
        if notification_ids is not None:
            ids = [i for i in notification_ids if _valid_id(i)][:MAX_PAGE]
            statement = statement.where(Notification.id.in_(ids))
        done = self.session.execute(statement.values(read_at=utcnow()))
        self._commit()
        return done.rowcount

    # ---- preferences --------------------------------------------------------------------------
    def notification_preferences(self, user: User | None) -> dict[str, dict[str, Any]]:
        """channel → {"mode", "digest_hour", "own"} for a person (their own choice, else the office
        default), or the office defaults for ``None``."""
        prefs = outbox.preferences(self.session, [user.id] if user is not None else [])
        result = {}
        for channel in outbox.CHANNELS:
            own = prefs.get((user.id, channel)) if user is not None else None
            chosen = own or prefs.get((None, channel))
            result[channel] = {"mode": chosen.mode if chosen else "immediate",
                               "digest_hour": chosen.digest_hour if chosen else 8, "own": own is not None}
        return result

    def set_notification_preference(self, actor: User, user: User | None, channel: str, mode: str,
                                    digest_hour: int = 8) -> None:
        self.set_notification_preferences(actor, user, {channel: mode}, digest_hour)

    @rolls_back_on_refusal
    def set_notification_preferences(self, actor: User, user: User | None, modes: dict[str, str],
                                     digest_hour: int = 8) -> None:
        """A person sets their own way of hearing per channel; an admin sets the office default
        (``user`` None) or anyone's. All channels are checked before anything is written."""
        if user is None and not actor.is_admin:
            raise NotAllowed("notify.defaults_admins_only")
        if user is not None and user.id != actor.id and not actor.is_admin:
            raise NotAllowed("notify.not_yours")
        problems = []
        for channel, mode in modes.items():
            if channel not in outbox.CHANNELS:
                problems.append(Problem("notify.bad_channel", field="channel", choices=", ".join(outbox.CHANNELS)))
            elif mode not in outbox.CHANNEL_MODES[channel]:
                problems.append(Problem("notify.bad_mode", field=f"{channel}_mode",
                                        choices=", ".join(outbox.CHANNEL_MODES[channel])))
        if isinstance(digest_hour, bool) or not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23:
            problems.append(Problem("notify.bad_hour", field="digest_hour"))
        if problems:
            raise Invalid("notify.invalid", problems)
        user_id = user.id if user is not None else None
        for channel, mode in modes.items():
            pref = self.session.scalar(select(NotificationPreference).where(
                NotificationPreference.channel == channel,
                NotificationPreference.user_id.is_(None) if user_id is None
                else NotificationPreference.user_id == user_id))
            if pref is None:
                self.session.add(NotificationPreference(user_id=user_id, channel=channel, mode=mode,
                                                        digest_hour=digest_hour))
            else:
                pref.mode, pref.digest_hour = mode, digest_hour
        audit.record(self.session, "notification_settings", actor.username,
                     user=user.username if user is not None else None, modes=modes, digest_hour=digest_hour)
        self._commit()

    # ---- webhooks (admin) ---------------------------------------------------------------------
    def webhooks(self, admin: User) -> list[Webhook]:
        self._admin(admin)
        return list(self.session.scalars(select(Webhook).order_by(Webhook.id)))

    @rolls_back_on_refusal
    def add_webhook(self, admin: User, url: str, events: list[str]) -> tuple[Webhook, str]:
        """Register an address for some events; returns the webhook and its signing secret (shown
        once to the admin, who gives it to the receiving system)."""
        self._admin(admin)
        url = (url or "").strip()
        problems = []
        why = check_url(url)
        if why:
            problems.append(Problem(why, field="url"))
        events = list(dict.fromkeys(events or []))
        unknown = [e for e in events if e not in outbox.WEBHOOK_EVENTS]
        if unknown or not events:
            problems.append(Problem("webhook.unknown_events", field="events", events=", ".join(unknown)[:200])
                            if unknown else Problem("webhook.no_events", field="events"))
        if problems:
            raise Invalid("webhook.invalid", problems)
        secret = secrets.token_urlsafe(32)
        hook = Webhook(url=url, events=events, secret=secret, active=True, created_by=admin.username,
                       created_at=utcnow())
        self.session.add(hook)
        self.session.flush()
        audit.record(self.session, "webhook_add", admin.username, webhook=hook.id, url=url, events=events)
        self._commit()
        return hook, secret

    def set_webhook_active(self, admin: User, webhook_id: int, active: bool) -> Webhook:
        hook = self._webhook(admin, webhook_id)
        hook.active = active
        if active:
            hook.failures, hook.disabled_reason = 0, None
        audit.record(self.session, "webhook_enable" if active else "webhook_disable", admin.username, webhook=hook.id)
        self._commit()
        return hook

    def remove_webhook(self, admin: User, webhook_id: int) -> None:
        hook = self._webhook(admin, webhook_id)
        audit.record(self.session, "webhook_remove", admin.username, webhook=hook.id, url=hook.url)
        self.session.delete(hook)
        self._commit()

    def _webhook(self, admin: User, webhook_id: int) -> Webhook:
        self._admin(admin)
        hook = self.session.get(Webhook, webhook_id) if _valid_id(webhook_id) else None
        if hook is None:
            raise NotFound("webhook.not_found", id=webhook_id)
        return hook

    # ---- deliveries that failed (admin) --------------------------------------------------------
    def failed_deliveries(self, admin: User, *, limit: int = 50, before_id: int | None = None) -> list[Notification]:
        self._admin(admin)
        query = select(Notification).where(Notification.status == FAILED)
        if before_id is not None:
            query = query.where(Notification.id < before_id)
        return list(self.session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, MAX_PAGE)))))

    def retry_deliveries(self, admin: User, notification_ids: list[int] | None = None) -> int:
        """Put failed deliveries (these, or all) back in the queue; the worker sends them soon."""
        self._admin(admin)
        ids = None if notification_ids is None else [i for i in notification_ids if _valid_id(i)][:MAX_PAGE]
        count = delivery.retry(self.session, ids)
        audit.record(self.session, "delivery_retry", admin.username, count=count)
        self._commit()
        return count

    @staticmethod
    def _admin(user: User) -> None:
        if not user.is_admin:
            raise NotAllowed("webhook.admins_only")
