"""The WeChat API client with one access_token for every worker and host.

WeChat allows a limited number of token fetches a day, and with the classic ``/cgi-bin/token``
each fetch invalidates the token other processes hold. So:

* tokens come from ``/cgi-bin/stable_token`` (``force_refresh: false``): WeChat hands every
  caller the same token until it nears expiry, and no fetch invalidates another's token. Only
  when WeChat refuses a token (wechatpy then asks for a new one) is ``force_refresh`` sent, and
  not if another worker has already stored a newer token;
* with Redis the token lives in Redis (wechatpy's ``RedisStorage``), and a Redis lock lets one
  worker fetch while the others wait and then read what it stored;
* without Redis (or while Redis is down) each process keeps the token in memory and fetches
  under a thread lock: still correct, because stable tokens do not invalidate each other.

``WECHAT_API_BASE_URL`` (tests, a recording proxy) replaces ``https://api.weixin.qq.com/cgi-bin/``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

from shebao import clock
from shebao.redis import PREFIX, RedisHub, hub_for
from shebao.settings import Settings

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 300  # fetch a new token this long before the old one expires


class FallbackStorage:
    """wechatpy session storage in Redis, falling back to this process's memory."""

    def __init__(self, hub: RedisHub) -> None:
        self.hub = hub
        self.redis = RedisStorage(_LazyRedis(hub), prefix=f"{PREFIX}wechatpy")
        self.memory = MemoryStorage()

    def get(self, key: str, default: Any = None) -> Any:
        missing = object()
        found = self.hub.call("token_get", lambda _r: self.redis.get(key, missing), missing)
        if found is missing:
            return self.memory.get(key, default)
        return found

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        self.memory.set(key, value, ttl)
        self.hub.call("token_set", lambda _r: self.redis.set(key, value, ttl), None)

    def delete(self, key: str) -> None:
        self.memory.delete(key)
        self.hub.call("token_delete", lambda _r: self.redis.delete(key), None)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        self.delete(key)


class _LazyRedis:
    """The hub's client, looked up per call (it changes after a fork)."""

    def __init__(self, hub: RedisHub) -> None:
        self.hub = hub

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.hub.client.get(*args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self.hub.client.set(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self.hub.client.delete(*args, **kwargs)


class SharedTokenClient(WeChatClient):  # type: ignore[misc]
    """``WeChatClient`` whose token is fetched once for all workers (see module doc)."""

    def __init__(
        self,
        appid: str,
        secret: str,
        *,
        hub: RedisHub | None = None,
        api_base_url: str | None = None,
        timeout: float = 5,
    ) -> None:
        session = FallbackStorage(hub) if hub is not None else MemoryStorage()
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.hub = hub
        if api_base_url:
            self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self._thread_lock = threading.Lock()
        self._handed_out: str | None = None  # the token this client last used
        self.fetches = 0  # tokens this client fetched itself (tests, metrics)

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        if not (token and self._fresh()):
            self._fetch(force=False)
            token = self.session.get(self.access_token_key)
        self._handed_out = str(token)
        return str(token)

    def _fresh(self) -> bool:
        expires_at = self.expires_at
        return bool(expires_at) and expires_at - clock.timestamp() > REFRESH_MARGIN_SECONDS

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy calls this when WeChat refused the token it was given (40001, 42001):
        unless another worker has stored a new one meanwhile, ask for a new one."""
        return self._fetch(force=True)

    def _fetch(self, *, force: bool) -> dict[str, Any]:
        """Fetch under a lock; a worker that waited uses the token the other one stored."""
        with self._thread_lock:
            hub, lock = self.hub, self._redis_lock()  # no lock without a hub
            acquired = False
            if hub is not None and lock is not None:
                acquired = hub.call(
                    "token_lock", lambda _r: bool(lock.acquire(blocking=True)), False
                )
            try:
                token = self.session.get(self.access_token_key)
                if token and self._fresh() and not (force and token == self._handed_out):
                    return {
                        "access_token": token,
                        "expires_in": int(self.expires_at - clock.timestamp()),
                    }
                return self._fetch_stable_token(force_refresh=force)
            finally:
                if acquired and hub is not None:
                    hub.call("token_unlock", lambda _r: lock.release(), None)

    def _redis_lock(self) -> Any:
        if self.hub is None or not self.hub.available:
            return None
        return self.hub.client.lock(
            f"{PREFIX}wechat-token-lock:{self.appid}", timeout=15, blocking_timeout=6
        )

    def _fetch_stable_token(self, *, force_refresh: bool) -> dict[str, Any]:
        log.info(
            "fetching a stable access_token for %s%s",
            self.appid,
            " (the last one was refused)" if force_refresh else "",
        )
        response = self._http.post(
            url=self.API_BASE_URL + "stable_token",
            timeout=self.timeout,
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        if result.get("errcode"):
            raise WeChatClientException(
                result["errcode"],
                result.get("errmsg"),
                client=self,
                request=response.request,
                response=response,
            )
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = clock.timestamp() + expires_in
        self.fetches += 1
        return result


def shared_client(settings: Settings) -> SharedTokenClient | None:
    """The client for the configured Official Account, or None without AppID and secret."""
    if not (settings.wechat_appid and settings.wechat_app_secret):
        return None
    return SharedTokenClient(
        settings.wechat_appid,
        settings.wechat_app_secret,
        hub=hub_for(settings.redis_url),
        api_base_url=settings.wechat_api_base_url,
    )
