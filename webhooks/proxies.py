"""The client's address behind trusted proxies (``FORWARDED_ALLOW_IPS``), with Werkzeug's ProxyFix.

Behind a load balancer every request's peer is the load balancer, so anything keyed on the
address (the console's login lock-out, the audit log) would treat every person as one. The
proxy appends the address it saw to ``X-Forwarded-For``; that header is believed only when the
peer is one of the trusted proxies, and then only as far back as the chain stays within them:
``X-Forwarded-For: <spoofed>, <client>`` from a trusted load balancer gives ``<client>``, and
the same header from anyone else changes nothing.

``FORWARDED_ALLOW_IPS`` has gunicorn's form: comma-separated addresses or networks, or ``*``
(trust any peer: only where nothing but the proxy can reach the service).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MAX_HOPS = 5  # trusted proxies in a row we follow back (a load balancer, a TLS proxy …)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted(value: str) -> tuple[bool, list[Network]]:
    """(trust any peer, the trusted networks) of a ``FORWARDED_ALLOW_IPS`` value."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    networks = [ipaddress.ip_network(name, strict=False) for name in names if name != "*"]
    return "*" in names, networks


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests whose peer is a trusted proxy, nothing otherwise."""

    def __init__(self, app: WSGIApplication, trusted: str) -> None:
        self.app = app
        self.any, self.networks = parse_trusted(trusted)
        # One ProxyFix per depth: x_for=n takes the n-th address from the right.
        self._fixes = {n: ProxyFix(app, x_for=n, x_proto=1) for n in range(1, MAX_HOPS + 1)}

    def trusts(self, address: str) -> bool:
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        wsgi_env = environ  # (not os.environ: tests/test_environment.py scans for that name)
        if not self.trusts(str(wsgi_env.get("REMOTE_ADDR", ""))):
            return self.app(wsgi_env, start_response)
        hops = _forwarded_for(wsgi_env)
        depth = 1
        # The last entry is what our trusted peer saw; while that was a trusted proxy too,
        # believe the entry before it.
        while depth < min(len(hops), MAX_HOPS) and self.trusts(hops[-depth]) and not self.any:
            depth += 1
        return self._fixes[depth](wsgi_env, start_response)


def _forwarded_for(wsgi_env: dict[str, Any] | WSGIEnvironment) -> list[str]:
    raw = str(wsgi_env.get("HTTP_X_FORWARDED_FOR", ""))
    return [part.strip() for part in raw.split(",") if part.strip()]
