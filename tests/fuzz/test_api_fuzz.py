"""Schemathesis over /api/v1/openapi.json: every operation, as every role.

Each operation gets a bounded, derandomised number of generated requests (so CI repeats the
same run), half of them aimed at real records of the seeded world. Every response must not be
a server error, must carry a documented status code and must match the documented schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import ID_TABLES, ROLES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Body fields that hold ids, beyond the path parameter names.
BODY_ID_TABLES = {
    **ID_TABLES,
    "owner_id": "users",
    "assignee_id": "users",
    "reviewer_id": "users",
    "duplicate_of": "feedback",
}
# Examples per (operation, role); CRM_FUZZ_EXAMPLES=200 for a long local run.
MAX_EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "10"))
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def real_path_parameters(operation, world) -> list[dict]:
    """Path parameter sets that name records that exist (a payout with its own licence)."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return []
    if set(names) == {"licence_id", "payout_id"}:
        rows = world.connection.exec_driver_sql(
            "SELECT licence_id, id FROM payouts ORDER BY id"
        ).all()
        return [{"licence_id": lic, "payout_id": pay} for lic, pay in rows]
    tables = [world.ids[ID_TABLES[name]] for name in names]
    count = max((len(ids) for ids in tables), default=0)
    return [
        {name: ids[i % len(ids)] for name, ids in zip(names, tables, strict=True) if ids}
        for i in range(min(count, 6))
    ]


def aim_body(body, world, data) -> None:
    """Point id fields of a JSON body at records that exist, so rules past lookups run."""
    if not isinstance(body, dict):
        return
    for key, value in list(body.items()):
        table = BODY_ID_TABLES.get(key) or BODY_ID_TABLES.get(key.removesuffix("s"))
        ids = world.ids.get(table) if table else None
        if not ids:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            body[key] = data.draw(st.sampled_from(ids))
        elif isinstance(value, list) and all(isinstance(v, int) for v in value):
            body[key] = data.draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))


def run_operation(operation, world, role: str, failures: list) -> None:
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    real = real_path_parameters(operation, world)
    # Some cases aim at records that exist; the rest keep the generated ids.
    aim = st.one_of(st.none(), st.sampled_from(real)) if real else st.none()

    @FUZZ_SETTINGS
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ),
        path_parameters=aim,
        real_body_ids=st.booleans(),
        data=st.data(),
    )
    def fuzz(case, path_parameters, real_body_ids, data):
        if path_parameters:
            case.path_parameters = {**case.path_parameters, **path_parameters}
        if real_body_ids:
            aim_body(case.body, world, data)
        with world.example():
            case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        fuzz()
    except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure at once
        failures.append(f"{role} {operation.label}:\n{exc}")


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_every_role(api_schema, world, role):
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        run_operation(operation, world, role, failures)
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
