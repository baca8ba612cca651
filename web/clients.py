"""Who sent a request (behind our proxy), and how many public forms they may send."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from web.keys import LIMITS


def client_address(request: web.Request) -> str:
    """The sender's address; behind a proxy on a private address, the last X-Forwarded-For hop."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        behind_proxy = ipaddress.ip_address(peer).is_private
    except ValueError:
        behind_proxy = False
    # The proxy appends the address it saw last; anything before it the client may have forged.
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last if behind_proxy and last else peer


def form_quota_spent(request: web.Request, form: str) -> dict[str, str] | None:
    """Count one sent public form; the Retry-After header when the address has used its quota."""
    limiter, key = request.app[LIMITS].forms, f"{form}:{client_address(request)}"
    if limiter.blocked(key):
        return {"Retry-After": str(limiter.retry_after(key))}
    limiter.hit(key)
    return None
