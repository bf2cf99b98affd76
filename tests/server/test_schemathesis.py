"""Property-based API testing from the OpenAPI document: no generated input may produce a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from server import create_app
from tests.server.conftest import inventory

app = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
ADMIN = inventory(app).create_token("schemathesis", "admin")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {ADMIN}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
