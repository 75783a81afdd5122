"""The Orders API client (orders_client.py) tested against doorman, started by conftest.py.

Run from the repository root, after ``npm run build``::

    python3 -m pytest examples/pytest
"""
import time

import pytest
import requests

from orders_client import OrdersApiError, OrdersClient

ORDER = {"customerId": "c-123", "items": [{"sku": "ABC-1234", "qty": 2}]}


def test_creates_an_order(orders, doorman):
    created = orders.create_order(ORDER)

    assert created["id"].startswith("o-")
    assert created["status"] == "pending"
    [entry] = doorman.journal(operation="createOrder")
    assert entry["status"] == 201
    assert entry["headers"]["content-type"] == "application/json"


def test_a_content_type_typo_is_refused_with_415(doorman_url, token, doorman):
    client = OrdersClient(doorman_url, token, content_type="application/jsn")

    with pytest.raises(OrdersApiError) as refused:
        client.create_order(ORDER)

    assert refused.value.status == 415
    assert refused.value.code == "CONTENT_TYPE_UNSUPPORTED"  # stable; the detail's wording may improve
    assert refused.value.problem["expected"] == ["application/json"]
    assert "Did you mean 'application/json'?" in refused.value.problem["detail"]
    # The same verdict, as the --log json line other tools can follow.
    line = doorman.log_line(lambda line: line["code"] == "CONTENT_TYPE_UNSUPPORTED")
    assert (line["status"], line["step"], line["operation"]) == (415, "content-type", "createOrder")


def test_an_invalid_order_lists_every_schema_error(orders):
    with pytest.raises(OrdersApiError) as refused:
        orders.create_order({"customerId": "bob", "items": [{"sku": "abc", "qty": 0}]})

    assert refused.value.status == 422
    assert refused.value.code == "BODY_INVALID"
    errors = {(e["pointer"], e["keyword"]) for e in refused.value.problem["errors"]}
    assert errors == {("/customerId", "pattern"), ("/items/0/sku", "pattern"), ("/items/0/qty", "minimum")}


def test_a_503_is_retried_after_retry_after_then_created(orders, doorman):
    # Prefer: code=503 would fail every attempt; a plan with times=1 fails only the first.
    doorman.add_fault(operation="createOrder", kind="status", status=503, retryAfter=1, times=1)

    started = time.monotonic()
    created = orders.create_order(ORDER)

    assert created["id"].startswith("o-")
    assert time.monotonic() - started >= 0.9, "urllib3 waited for Retry-After: 1"
    first, second = doorman.journal(operation="createOrder")
    assert (first["status"], second["status"]) == (503, 201)
    assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"]
    report = doorman.report("createOrder")
    assert report["retryAfter"]["verdict"] == "honoured", report["retryAfter"]["explain"]
    assert report["idempotency"]["verdict"] == "ok", report["idempotency"]["explain"]


def test_a_503_that_persists_is_given_up_after_three_attempts(doorman_url, token, doorman):
    # Prefer asks the mock for a 503 on every request: Retry(total=2) tries three times, then gives up.
    client = OrdersClient(doorman_url, token, headers={"Prefer": "code=503"})

    with pytest.raises(OrdersApiError) as unavailable:
        client.create_order(ORDER)

    assert unavailable.value.status == 503
    assert unavailable.value.code == "FAULT_STATUS"
    assert [entry["status"] for entry in doorman.journal(operation="createOrder")] == [503, 503, 503]
    gaps = doorman.report("createOrder")["gapsMs"]
    assert len(gaps) == 2 and gaps[1] > gaps[0], f"backoff grows between retries: {gaps}"


def test_a_slow_answer_is_retried_then_given_up(doorman_url, token, doorman):
    # The read timeout is 0.3 s and every answer takes 2 s. Retry(total=2) retries read
    # timeouts too, so requests raises ConnectionError (max retries), not ReadTimeout.
    client = OrdersClient(doorman_url, token, timeout=(3.05, 0.3), headers={"Prefer": "delay=2000"})

    with pytest.raises(requests.exceptions.ConnectionError, match="Read timed out"):
        client.get_order("o-1001")

    attempts = doorman.wait_for_journal(3, operation="getOrder")
    assert all(250 <= entry["clientGaveUpMs"] < 2000 for entry in attempts), [e["clientGaveUpMs"] for e in attempts]
    timeout = doorman.report("getOrder")["timeout"]
    assert timeout["verdict"] == "gave-up", timeout["explain"]
