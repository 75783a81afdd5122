"""The code under test: a small client for the Orders API, as an application would have it.

It knows nothing about doorman: the tests point it at the mock instead of the
real API. One ``requests.Session`` per client, a (connect, read) timeout on
every call, and urllib3 retries with backoff for 503s, honouring Retry-After.
Every POST carries an Idempotency-Key, so a retry cannot create the order twice.
"""
import json
import uuid

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry


class OrdersApiError(Exception):
    """An answer other than the documented success: the status and, when the server sent one, the RFC 9457 problem."""

    def __init__(self, response):
        self.status = response.status_code
        is_problem = response.headers.get("Content-Type", "").startswith("application/problem+json")
        self.problem = response.json() if is_problem else None
        detail = (self.problem or {}).get("detail") or response.reason
        super().__init__(f"{response.request.method} {response.url} answered {self.status}: {detail}")

    @property
    def code(self):
        """The problem's stable code (``CONTENT_TYPE_UNSUPPORTED`` …): match on it, not on the wording."""
        return (self.problem or {}).get("code")


class OrdersClient:
    def __init__(self, base_url, token, *, timeout=(3.05, 5), content_type="application/json", headers=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.content_type = content_type
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers.update(headers or {})
        retry = Retry(
            total=2,
            backoff_factor=0.1,
            status_forcelist=[503],
            allowed_methods=None,  # POST too: the Idempotency-Key makes it safe
            respect_retry_after_header=True,
            raise_on_status=False,  # after the last retry, hand back the 503 itself (raised below as OrdersApiError)
        )
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def create_order(self, order):
        response = self.session.post(
            f"{self.base_url}/orders",
            data=json.dumps(order),
            headers={"Content-Type": self.content_type, "Idempotency-Key": str(uuid.uuid4())},
            timeout=self.timeout,
        )
        if response.status_code != 201:
            raise OrdersApiError(response)
        return response.json()

    def get_order(self, order_id):
        response = self.session.get(f"{self.base_url}/orders/{order_id}", timeout=self.timeout)
        if response.status_code != 200:
            raise OrdersApiError(response)
        return response.json()

    def close(self):
        self.session.close()
