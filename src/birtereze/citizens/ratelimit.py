"""Limits on asking for sign-in codes, by phone and by network address (the ``limits`` library).

Moving windows, in memory (one process) or in Redis when ``BIRTEREZE_REDIS_URL`` is set, so that every
worker of an installation counts together. The windows run on the system's time (the library's), not the
domain's clock: they guard the service, not a business rule. Phone numbers are keyed by an HMAC, so Redis
holds no personal data.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from birtereze.citizens.errors import Throttled
from birtereze.core.settings import Settings


class SignInLimits:
    def __init__(
        self, *, per_phone: str, per_ip: str, secret: str, redis_url: str | None = None, prefix: str = "btz"
    ) -> None:
        storage: Storage
        if redis_url:
            storage = RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix=prefix)
        else:
            storage = MemoryStorage()
        self.storage = storage
        self.prefix = prefix
        self._limiter = MovingWindowRateLimiter(storage)
        self.per_phone: RateLimitItem = parse(per_phone)
        self.per_ip: RateLimitItem = parse(per_ip)
        self._key = hmac.new(secret.encode(), b"birtereze.rate-limit", hashlib.sha256).digest()

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInLimits:
        return cls(
            per_phone=settings.otp_limit_per_phone,
            per_ip=settings.otp_limit_per_ip,
            secret=settings.secret_key,
            redis_url=settings.redis_url,
            prefix=f"{settings.live_channel_prefix}limits",
        )

    def _pseudonym(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()[:24]

    async def hit_code_request(self, *, phone: str, ip: str) -> None:
        """Count one code asked for; ``Throttled`` (nothing counted) when either limit is reached."""
        checks = ((self.per_phone, "phone", self._pseudonym(phone)), (self.per_ip, "ip", self._pseudonym(ip)))
        for item, *keys in checks:
            if not await self._limiter.test(item, "otp", *keys):
                stats = await self._limiter.get_window_stats(item, "otp", *keys)
                raise Throttled(retry_after_s=max(1, math.ceil(stats.reset_time - time.time())))
        for item, *keys in checks:
            if not await self._limiter.hit(item, "otp", *keys):  # another request took the last place
                raise Throttled(retry_after_s=int(item.get_expiry()))

    async def reset(self) -> None:
        await self.storage.reset()
