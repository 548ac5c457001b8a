"""Settings read from ``BIRTEREZE_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def _default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'birtereze.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BIRTEREZE_", extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    redis_url: str | None = None
    secret_key: str = "dev-secret-change-me"  # noqa: S105 - overridden in production
    default_locale: str = "kk"
    timezone: str = "Asia/Almaty"
    log_level: str = "INFO"
    log_json: bool = True
    # The embedded worker (normative checks, jobs) runs inside the web process unless disabled.
    embedded_worker: bool = True
    alert_check_interval_s: float = 15.0
    # Connections per process; unset: 1 on SQLite (one writer at a time, taken in order), 16 on PostgreSQL.
    db_pool_size: int | None = None
    token_cache_ttl_s: float = 30.0
    ticket_token_max_age_days: int = 2
    # Prefix of the Redis pub/sub channels: installations (or test runs) sharing one Redis differ by it.
    live_channel_prefix: str = "birtereze:"
    # The voice announcements' phrase clips, made once by espeak-ng (queue.announce).
    voice_cache_dir: Path = PROJECT_ROOT / "var" / "voice"
    # Network ticket printers (ESC/POS over TCP, "host" or "host:port", port 9100 by default) by the
    # kiosk account that prints on them, as JSON: {"kiosk.tur": "10.20.0.31"}. A kiosk without one
    # prints through its browser (the 80 mm slip).
    kiosk_printers: dict[str, str] = Field(default_factory=dict)
    # Notifications (notify): the outbox is sent every few seconds, a batch at a time.
    notify_send_interval_s: float = 2.0
    notify_batch_size: int = 50
    # SMS over SMPP 3.4; no host: SMS wait in the outbox, saying that no SMSC is configured.
    smpp_host: str | None = None
    smpp_port: int = 2775
    smpp_system_id: str = ""
    smpp_password: SecretStr = SecretStr("")
    smpp_system_type: str = ""
    # The sender shown on the phone: a short number or an alphanumeric name (at most 11 characters).
    smpp_source_addr: str = "Birtereze"
    smpp_timeout_s: float = 5.0
    # How long a batch waits for the delivery receipts of what it sent before it unbinds.
    smpp_receipt_wait_s: float = 1.0
    # E-mail over SMTP; no host: e-mails wait in the outbox, saying that no SMTP server is configured.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Birtereze <noreply@birtereze.kz>"
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    # Web push (notify.push): the VAPID key pair that signs our pushes (the private key as base64url of its
    # 32-byte scalar, or PEM; `birtereze vapid-keys` makes one). Unset: one derived from secret_key, stable
    # across restarts so that browsers' subscriptions stay valid; production sets its own.
    vapid_private_key: SecretStr | None = None
    # Who runs this server, for the push services (RFC 8292): a mailto: or https: address.
    vapid_subject: str = "mailto:support@birtereze.kz"
    push_timeout_s: float = Field(default=10.0, gt=0)
    # Push endpoints are URLs the server POSTs to: any on a private, loopback or link-local address is
    # refused (and http:// with it) unless this is set, for tests and a local fake push service only.
    push_allow_private_endpoints: bool = False
    # Seconds a process serves a centre's public load before computing it again (branches.public_load).
    load_cache_s: float = Field(default=1.0, ge=0.0, le=60.0)
    # The citizens' sign-in (citizens.oidc): the national Digital ID's OpenID Connect provider (its issuer
    # URL, whose /.well-known/openid-configuration is read) and this application's registration there.
    # Unset issuer: Digital ID sign-in is offered only with the built-in fake provider (fake_idp).
    oidc_issuer: str | None = None
    oidc_client_id: str = "birtereze"
    oidc_client_secret: str | None = None
    # The callback address registered with the provider; unset: this site's /me/sign-in/digital-id/callback.
    oidc_redirect_url: str | None = None
    # A local fake Digital ID provider at /fake-idp, for tests and the demo: never in production.
    fake_idp: bool = False
    # Citizens' session cookie: Secure (HTTPS only) when served behind TLS.
    session_cookie_secure: bool = False
    citizen_session_idle_hours: float = Field(default=12.0, gt=0)
    citizen_session_max_days: float = Field(default=7.0, gt=0)
    # One-time SMS codes: lifetime, wrong tries per code, and limits (the `limits` library's notation).
    otp_ttl_s: int = Field(default=300, gt=0)
    otp_max_attempts: int = Field(default=5, gt=0)
    otp_limit_per_phone: str = "3/15minutes"
    otp_limit_per_ip: str = "10/hour"
    # Wrong codes for one IIN in a day (Almaty time) before its SMS sign-in is locked until midnight.
    otp_daily_failures: int = Field(default=10, gt=0)
    # Appointments (appointments.slots, .service): how far ahead a slot can be booked, the share of the
    # windows serving a service's queue kept for bookings (at least one window), and the slot length when
    # the service sets no maximum service time.
    appointment_horizon_days: int = Field(default=30, ge=1, le=365)
    appointment_capacity_share: float = Field(default=0.5, gt=0.0, le=1.0)
    appointment_slot_s: int = Field(default=15 * 60, ge=300, le=4 * 3600)
    # Per-person limits, as the centres' rules: active bookings at once, bookings of one service a day,
    # and bookings made in a rolling 30 days (cancelled ones included, so that slots are not hoarded).
    appointment_max_active: int = Field(default=3, ge=1)
    appointment_max_per_service_day: int = Field(default=1, ge=1)
    appointment_max_per_30_days: int = Field(default=6, ge=1)
    # The arrival window around the slot's start: check-in from this early to this late.
    appointment_early_s: int = Field(default=15 * 60, ge=0)
    appointment_late_s: int = Field(default=10 * 60, ge=0)
    # Reminders, seconds before the slot: the day before and an hour before.
    appointment_reminder_day_s: int = Field(default=24 * 3600, gt=0)
    appointment_reminder_hour_s: int = Field(default=3600, gt=0)
    # Delivery of applications to the authorised bodies (applications.delivery): each body by its
    # authority code, as JSON: {"MVD": {"mode": "http", "url": "https://body.example/applications",
    # "secret": "..."}, "MTSZN": {"mode": "inbox", "secret": "..."}}. "http": POSTed, HMAC-SHA256 signed,
    # with an Idempotency-Key; "inbox": the body polls /api/v1/bodies/{code}/inbox. The secret also signs
    # the body's callbacks. A body not listed: its applications wait in the outbox.
    body_endpoints: dict[str, dict[str, str]] = Field(default_factory=dict)
    # The base URL the bodies call back (sent with each application); unset: the bodies know it.
    body_callback_url: str | None = None
    delivery_interval_s: float = Field(default=1.0, gt=0)
    delivery_batch_size: int = Field(default=100, ge=1, le=5000)
    # Requests in flight at once, per worker.
    delivery_concurrency: int = Field(default=32, ge=1, le=1000)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    # Exponential back-off: the first wait, doubled after each failed try up to the cap; after the last
    # try the delivery is a dead letter (an alert is raised).
    delivery_backoff_s: float = Field(default=10.0, gt=0)
    delivery_backoff_max_s: float = Field(default=3600.0, gt=0)
    delivery_max_attempts: int = Field(default=12, ge=1)
    # A claimed delivery is its worker's this long; one whose worker died is tried again afterwards.
    delivery_lease_s: float = Field(default=120.0, gt=0)
    # Signed requests older or newer than this (against the clock) are refused: replays.
    body_signature_tolerance_s: int = Field(default=300, ge=1)
    # Applications (applications.documents): uploaded and received documents, stored content-addressed
    # (by their SHA-256) under this folder, each at most this size.
    documents_dir: Path = PROJECT_ROOT / "var" / "documents"
    document_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Deadline alerts (applications.jobs): an application is "nearing" its deadline this long before it.
    application_deadline_near_s: int = Field(default=24 * 3600, gt=0)
    # Drafts never submitted are discarded (applications.purge_drafts) this long after their last change:
    # those begun in the hall (at the kiosk or by an operator) the next day, those from home after a month.
    application_draft_hall_ttl_s: int = Field(default=24 * 3600, gt=0)
    application_draft_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    # A stored document's file that no application refers to any more is deleted once it is this old
    # (applications.sweep_documents); storing the same bytes again makes it new. At least 6 hours: a
    # GovStack upload is stored up to 2 hours before an application refers to it. Never share the folder
    # between databases: each would sweep the files of the other's documents.
    document_orphan_grace_s: int = Field(default=24 * 3600, ge=6 * 3600)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
