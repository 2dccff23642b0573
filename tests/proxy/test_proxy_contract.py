"""The sandbox against proxy/openapi.yaml: every route is documented and every documented path is
served, and real answers (successes and errors) validate against the documented schemas."""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator
from proxy_helpers import CHEN, HUANG, LI
from proxy_servers import LiveServer
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from proxy.sandbox import create_sandbox_app

pytestmark = pytest.mark.usefixtures("fixed_clock")  # The core checks leaving dates against today.


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    text = resources.files("proxy").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


class Contract:
    def __init__(self, spec: dict[str, Any], base_url: str) -> None:
        self.spec = spec
        self.base_url = base_url
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)
        self.checked: set[tuple[str, str]] = set()

    def call(self, method: str, template: str, *, expect: int, **kwargs: Any) -> Any:
        path = template.format(**kwargs.pop("path", {}))
        r = requests.request(method, self.base_url + path, timeout=5, **kwargs)
        assert r.status_code == expect, r.text
        pointer = self._schema_pointer(method.lower(), template, r.status_code)
        validator = Draft202012Validator(
            {"$ref": f"urn:openapi#{pointer}"},
            registry=self.registry,
            format_checker=Draft202012Validator.FORMAT_CHECKER,
        )
        errors = sorted(validator.iter_errors(r.json()), key=str)
        assert not errors, f"{method} {template} {r.status_code}: {errors[0].message}"
        self.checked.add((method.lower(), template))
        return r.json()

    def _schema_pointer(self, method: str, template: str, status: int) -> str:
        """The JSON pointer, in the spec, of the schema of this operation's answer."""
        responses = self.spec["paths"][template][method]["responses"]
        code = str(status) if str(status) in responses else "default"
        ref = responses[code].get("$ref")
        if ref:
            base = ref.removeprefix("#")
        else:
            escaped = template.replace("~", "~0").replace("/", "~1")
            base = f"/paths/{escaped}/{method}/responses/{code}"
        return f"{base}/content/application~1json/schema"


def test_every_route_is_documented_and_every_documented_path_served(spec: dict[str, Any]) -> None:
    app = create_sandbox_app("sqlite://")
    served = {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert served == documented
    app.extensions["sandbox_core"].close()


def test_answers_match_the_schemas(spec: dict[str, Any], sandbox: LiveServer) -> None:
    c = Contract(spec, sandbox.url)
    key = {"Idempotency-Key": "contract-1"}

    c.call("GET", "/v1/health", expect=200)
    started = c.call(
        "POST",
        "/v1/identity/verifications",
        expect=201,
        json={"id_number": CHEN.id_number, "name": CHEN.name, "phone": CHEN.phone},
    )
    c.call(
        "POST",
        "/v1/identity/verifications",
        expect=422,
        json={"id_number": CHEN.id_number, "name": CHEN.name, "phone": "13100000000"},
    )
    c.call("POST", "/v1/identity/verifications", expect=400, json={"id_number": 1})
    confirm = "/v1/identity/verifications/{verification_id}/confirm"
    vid = {"verification_id": started["verification_id"]}
    c.call("POST", confirm, path=vid, expect=422, json={"code": "000000"})
    identity = c.call("POST", confirm, path=vid, expect=200, json={"code": "123456"})
    ref = {"person_ref": identity["person_ref"]}

    c.call("GET", "/v1/persons/{person_ref}/contributions", path=ref, expect=200)
    c.call(
        "GET",
        "/v1/persons/{person_ref}/contributions",
        path=ref,
        expect=200,
        params={"type": "medical", "from": "2021-01", "to": "2021-06"},
    )
    c.call(
        "GET",
        "/v1/persons/{person_ref}/contributions",
        path=ref,
        expect=400,
        params={"type": "dental"},
    )
    c.call(
        "GET", "/v1/persons/{person_ref}/contributions", path={"person_ref": "nobody"}, expect=404
    )
    c.call("GET", "/v1/persons/{person_ref}/pension-payments", path=ref, expect=200)
    c.call("GET", "/v1/persons/{person_ref}/unemployment-eligibility", path=ref, expect=200)

    body = {
        "person_ref": identity["person_ref"],
        "leaving_date": "2026-10-31",
        "leaving_reason": "layoff",
        "payment_account": {"kind": "social_security_card"},
        "phone": CHEN.phone,
        "seeking_work": True,
    }
    made = c.call("POST", "/v1/unemployment-applications", expect=201, json=body, headers=key)
    c.call("POST", "/v1/unemployment-applications", expect=200, json=body, headers=key)
    c.call(
        "POST",
        "/v1/unemployment-applications",
        expect=409,
        json=body,
        headers={"Idempotency-Key": "contract-2"},
    )
    c.call(
        "POST",
        "/v1/unemployment-applications",
        expect=400,
        json={"person_ref": "x"},
        headers={"Idempotency-Key": "contract-3"},
    )
    c.call(
        "GET",
        "/v1/unemployment-applications/{application_id}",
        path={"application_id": made["application_id"]},
        expect=200,
    )
    c.call(
        "GET",
        "/v1/unemployment-applications/{application_id}",
        path={"application_id": "SY0"},
        expect=404,
    )
    c.call("GET", "/v1/persons/{person_ref}/unemployment-applications", path=ref, expect=200)
    c.call("POST", "/v1/persons/{person_ref}/card-loss-reports", path=ref, expect=201, headers=key)
    c.call(
        "POST",
        "/v1/persons/{person_ref}/card-loss-reports",
        path=ref,
        expect=409,
        headers={"Idempotency-Key": "contract-4"},
    )

    for citizen in (LI, HUANG):
        v = c.call(
            "POST",
            "/v1/identity/verifications",
            expect=201,
            json={"id_number": citizen.id_number, "name": citizen.name, "phone": citizen.phone},
        )
        who = c.call(
            "POST",
            confirm,
            path={"verification_id": v["verification_id"]},
            expect=200,
            json={"code": "123456"},
        )
        c.call(
            "GET",
            "/v1/persons/{person_ref}/pension-payments",
            path={"person_ref": who["person_ref"]},
            expect=200,
        )
        c.call(
            "GET",
            "/v1/persons/{person_ref}/unemployment-eligibility",
            path={"person_ref": who["person_ref"]},
            expect=200,
        )

    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert c.checked == documented


def test_unknown_paths_and_methods_get_the_one_error_shape(sandbox: LiveServer) -> None:
    missing = requests.get(f"{sandbox.url}/v1/nothing-here", timeout=5)
    wrong_method = requests.delete(f"{sandbox.url}/v1/health", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()["error"]) == {"code", "message"}
