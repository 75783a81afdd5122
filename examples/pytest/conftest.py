"""pytest fixtures that run doorman as a child process, the way any language can.

``doorman serve --port 0 --log json`` takes a free port and prints one JSON
ready line, ``{"event":"listening","url":"http://127.0.0.1:PORT"}``, then one
JSON line per request (docs/logging.md). The session fixture reads the ready
line, hands the URL to the tests and stops the server with SIGTERM at the end.

By default it runs this repository's build (``node dist/doorman.js``, after
``npm run build``). In your own project set ``DOORMAN_CMD=node_modules/.bin/doorman``
and ``DOORMAN_SPEC=path/to/openapi.yaml``, or copy this file and change the two
constants. Not ``npx doorman``: npm does not pass SIGTERM on, so doorman would
outlive the session.
"""
import json
import os
import queue
import shlex
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import requests

from orders_client import OrdersClient

ROOT = Path(__file__).resolve().parents[2]
DOORMAN_CMD = shlex.split(os.environ.get("DOORMAN_CMD") or f"node {shlex.quote(str(ROOT / 'dist' / 'doorman.js'))}")
SPEC = os.environ.get("DOORMAN_SPEC") or str(ROOT / "openapi.yaml")
READY_TIMEOUT_S = 15


class Doorman:
    """A running ``doorman serve``: its URL, its JSON log lines, and the admin API (``/__doorman/``)."""

    def __init__(self, spec=SPEC, *args):
        self.process = subprocess.Popen(
            [*DOORMAN_CMD, "serve", spec, "--port", "0", "--log", "json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = []  # one dict per request, as logged
        self._changed = threading.Condition()
        self._stderr = []
        ready = queue.Queue()
        # Read both pipes for as long as the server runs: a pipe nobody reads fills up and blocks the server.
        threading.Thread(target=self._read_stdout, args=(ready,), daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        try:
            first = ready.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"doorman printed no ready line within {READY_TIMEOUT_S} s: {''.join(self._stderr)}")
        if first is None:
            code = self.process.wait(timeout=5)
            raise RuntimeError(f"doorman exited with {code} before it was ready: {''.join(self._stderr)}")
        self.url = first["url"]
        # With --tls: {"ca": path of doorman's CA, "modes": {"expired": "https://127.0.0.1:PORT", …}}.
        self.tls = first.get("tls")
        self._verify = self.tls["ca"] if self.tls else True

    def _read_stdout(self, ready):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # not a log line (doorman writes none, but a wrapper script might)
            if event.get("event") == "listening":
                ready.put(event)
            elif "requestId" in event:
                with self._changed:
                    self.lines.append(event)
                    self._changed.notify_all()
        ready.put(None)  # the server is gone (only read if it never got ready)

    def _read_stderr(self):
        for line in self.process.stderr:
            self._stderr.append(line)

    def log_line(self, predicate, timeout=5):
        """The first request log line that ``predicate`` accepts, waiting for it to be written."""
        with self._changed:
            if not self._changed.wait_for(lambda: any(predicate(line) for line in self.lines), timeout):
                raise AssertionError(f"no matching log line within {timeout} s; got {self.lines}")
            return next(line for line in self.lines if predicate(line))

    def add_fault(self, **plan):
        """``POST /__doorman/faults``: e.g. ``add_fault(operation="createOrder", kind="status", status=503, times=1)``."""
        response = requests.post(f"{self.url}/__doorman/faults", json=plan, timeout=5, verify=self._verify)
        response.raise_for_status()
        return response.json()["plans"]

    def journal(self, **filters):
        """``GET /__doorman/journal``: what the clients sent and what each got (filters: operation, code, status, …)."""
        response = requests.get(f"{self.url}/__doorman/journal", params=filters, timeout=5, verify=self._verify)
        response.raise_for_status()
        return response.json()["entries"]

    def wait_for_journal(self, count, timeout=5, **filters):
        """The journal entries matching ``filters`` once there are ``count`` (a client that gave up is recorded when its connection closes).

        ``GET /__doorman/journal?count=`` waits on the server's side and answers as soon as they are in: no polling loop.
        The server waits at most 60 s (``timeoutMs`` up to 60000).
        """
        params = {**filters, "count": count, "timeoutMs": int(timeout * 1000)}
        response = requests.get(f"{self.url}/__doorman/journal", params=params, timeout=timeout + 5, verify=self._verify)
        response.raise_for_status()
        body = response.json()
        assert body["complete"], body["detail"]
        return body["entries"]

    def report(self, operation):
        """``GET /__doorman/report``: how the client behaved (retries, backoff, Retry-After, timeouts) for one operation."""
        response = requests.get(f"{self.url}/__doorman/report", timeout=5, verify=self._verify)
        response.raise_for_status()
        return next(op for op in response.json()["operations"] if op["operation"] == operation)

    def reset(self):
        """``POST /__doorman/reset``: empty journal, run-time fault plans gone, counters restarted."""
        requests.post(f"{self.url}/__doorman/reset", timeout=5, verify=self._verify).raise_for_status()

    def stop(self):
        """SIGTERM, then wait: doorman closes its connections and exits 0."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="session")
def doorman():
    """One doorman for the whole session, on a free port."""
    server = Doorman()
    yield server
    assert server.stop() == 0, f"doorman did not exit cleanly on SIGTERM: {''.join(server._stderr)}"


@pytest.fixture(scope="session")
def doorman_tls():
    """A second doorman, over HTTPS, with a listener whose certificate expired yesterday (``--tls-modes expired``).

    Its CA lives in a folder of its own here; without ``--tls-dir`` doorman keeps one in ``~/.cache/doorman/tls``
    and reuses it, so that you trust it once (``REQUESTS_CA_BUNDLE``).
    """
    folder = tempfile.mkdtemp(prefix="doorman-tls-")
    server = Doorman(SPEC, "--tls-modes", "expired", "--tls-dir", folder)
    yield server
    assert server.stop() == 0, f"doorman did not exit cleanly on SIGTERM: {''.join(server._stderr)}"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def doorman_url(doorman):
    """The URL to point the client under test at, e.g. ``http://127.0.0.1:54321``."""
    return doorman.url


@pytest.fixture(autouse=True)
def fresh_doorman(doorman):
    """Whatever a test did (fault plans, journal entries), the next one starts clean."""
    yield
    doorman.reset()


@pytest.fixture(scope="session")
def token():
    """A bearer token the mock accepts, from ``doorman token`` (what a person uses with curl)."""
    result = subprocess.run([*DOORMAN_CMD, "token", "--scope", "orders:write"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def orders(doorman_url, token):
    """The client under test, pointed at the mock."""
    client = OrdersClient(doorman_url, token)
    yield client
    client.close()
