"""Runs the test_*.py files without pytest, for machines that have python3 and requests but no pytest.

``npm test`` (test/examples.test.ts) uses pytest when it is installed and this
otherwise, so the example is exercised either way. It is a minimal stand-in,
not a pytest replacement: it understands exactly what conftest.py and the
test files use — ``@pytest.fixture`` (function or session scope, autouse,
plain or generator fixtures, fixtures that take fixtures) and
``pytest.raises(..., match=...)`` — and runs every ``test_*`` function of
each test_*.py, file by file, in file order.

    python3 examples/pytest/run_without_pytest.py
"""
import importlib
import inspect
import re
import sys
import time
import traceback
import types
from pathlib import Path


def _fixture(func=None, *, scope="function", autouse=False, **_ignored):
    def mark(f):
        f._doorman_fixture = (scope, autouse)
        return f

    return mark(func) if func is not None else mark


class _Raises:
    """``with pytest.raises(Error, match=...) as caught:``, then ``caught.value``."""

    def __init__(self, expected, match=None):
        self.expected = expected
        self.match = match
        self.value = None

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            raise AssertionError(f"DID NOT RAISE {self.expected}")
        if not issubclass(kind, self.expected):
            return False
        if self.match is not None and not re.search(self.match, str(value)):
            raise AssertionError(f"{kind.__name__} raised, but {self.match!r} does not match {str(value)!r}")
        self.value = value
        return True


class Fixtures:
    def __init__(self, module):
        self.defs = {name: f for name, f in vars(module).items() if hasattr(f, "_doorman_fixture")}
        self.session = {}
        self.session_teardown = []

    def autouse(self):
        return [name for name, f in self.defs.items() if f._doorman_fixture[1]]

    def get(self, name, scope_values, teardown):
        func = self.defs.get(name)
        if func is None:
            raise LookupError(f"fixture '{name}' not found (fixtures: {', '.join(self.defs)})")
        session = func._doorman_fixture[0] == "session"
        values = self.session if session else scope_values
        if name not in values:
            kwargs = {arg: self.get(arg, scope_values, teardown) for arg in inspect.signature(func).parameters}
            result = func(**kwargs)
            if inspect.isgenerator(result):
                (self.session_teardown if session else teardown).append(result)
                result = next(result)
            values[name] = result
        return values[name]

    @staticmethod
    def finish(generators):
        """Runs the code after each fixture's ``yield``, newest first; returns the errors."""
        errors = []
        while generators:
            generator = generators.pop()
            try:
                next(generator)
            except StopIteration:
                pass
            except Exception:
                errors.append(traceback.format_exc())
        return errors


def main():
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    sys.modules["pytest"] = types.SimpleNamespace(fixture=_fixture, raises=_Raises)
    fixtures = Fixtures(importlib.import_module("conftest"))
    modules = [importlib.import_module(path.stem) for path in sorted(here.glob("test_*.py"))]

    started = time.monotonic()
    passed, failed = 0, 0
    tests = [(module.__name__, name, test) for module in modules for name, test in vars(module).items()]
    for file, name, test in tests:
        if not (name.startswith("test_") and inspect.isfunction(test)):
            continue
        values, teardown = {}, []
        try:
            for auto in fixtures.autouse():
                fixtures.get(auto, values, teardown)
            test(**{arg: fixtures.get(arg, values, teardown) for arg in inspect.signature(test).parameters})
            outcome = None
        except Exception:
            outcome = traceback.format_exc()
        errors = Fixtures.finish(teardown)
        if outcome is None and not errors:
            passed += 1
            print(f"{file}.py::{name} PASSED", flush=True)
        else:
            failed += 1
            print(f"{file}.py::{name} FAILED\n{outcome or ''}{''.join(errors)}", flush=True)
    errors = Fixtures.finish(fixtures.session_teardown)
    for error in errors:
        failed += 1
        print(f"session teardown ERROR\n{error}", flush=True)
    summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
    print(f"{summary} in {time.monotonic() - started:.2f}s (run_without_pytest.py)")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
