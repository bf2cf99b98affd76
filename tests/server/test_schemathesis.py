"""Property-based API testing from the OpenAPI document: no generated input may produce a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from server import create_app
from tests.server.conftest import inventory

app = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False, "SECRET_KEY": "s" * 32})
ADMIN = inventory(app).create_token("schemathesis", "admin")
AGENT = inventory(app).create_token("schemathesis-agent", "agent", site="kyiv-hq")  # bound to one site
inventory(app).ingest("lviv", {"id": "seed-lviv"}, [{"ip": "10.0.0.1", "vendor": "dahua", "flagged": True}])
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    for token in (ADMIN, AGENT):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.path, response.text[:500])
        assert "Set-Cookie" not in response.headers
