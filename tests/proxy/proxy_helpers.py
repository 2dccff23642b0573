"""Helpers for the proxy tests: the demo citizens, binding, a valid application, the sandbox's
admin endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from proxy.core import (
    CoreServices,
    Identity,
    LeavingReason,
    PaymentAccount,
    PaymentAccountKind,
    UnemploymentApplicationRequest,
)


@dataclass(frozen=True)
class Citizen:
    name: str
    id_number: str
    phone: str


CHEN = Citizen("陈小明", "440703199001011239", "13800138000")
LI = Citizen("李秀英", "440902195603152422", "13900139000")
HUANG = Citizen("黄志强", "440781198808083019", "13700137000")
PERSONAL_DATA = [c.id_number for c in (CHEN, LI, HUANG)] + [c.phone for c in (CHEN, LI, HUANG)]


def bind(core: CoreServices, citizen: Citizen) -> Identity:
    verification = core.start_verification(citizen.id_number, citizen.name, citizen.phone)
    return core.confirm_verification(verification.verification_id, "123456")


def application_request(person_ref: str, **changes: Any) -> UnemploymentApplicationRequest:
    fields: dict[str, Any] = {
        "person_ref": person_ref,
        "leaving_date": date(2026, 10, 31),
        "leaving_reason": LeavingReason.LAYOFF,
        "payment_account": PaymentAccount(PaymentAccountKind.SOCIAL_SECURITY_CARD),
        "phone": "13800138000",
        "seeking_work": True,
    }
    return UnemploymentApplicationRequest(**(fields | changes))


class Admin:
    """The sandbox's /sandbox endpoints, for moving applications on and planning faults."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def advance(self, application_id: str, **body: Any) -> dict[str, Any]:
        r = requests.post(
            f"{self.base_url}/sandbox/applications/{application_id}/advance", json=body, timeout=5
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    def faults(self, **plan: Any) -> None:
        r = requests.put(f"{self.base_url}/sandbox/faults", json=plan, timeout=5)
        assert r.status_code == 200, r.text

    def clear_faults(self) -> None:
        requests.delete(f"{self.base_url}/sandbox/faults", timeout=5).raise_for_status()
