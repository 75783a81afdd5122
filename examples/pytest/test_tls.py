"""TLS failure modes from Python: does the client under test check certificates?

``doorman serve --tls-modes expired`` adds a listener whose certificate expired
yesterday (conftest.py's ``doorman_tls`` fixture). A client that verifies
certificates must raise ``SSLError`` there; one that turned verification off
(``verify=False``) gets its answer, and doorman's report says so in plain words.
"""
import pytest
import requests
import urllib3


def test_a_verifying_client_raises_ssl_error_on_an_expired_certificate(doorman_tls):
    with pytest.raises(requests.exceptions.SSLError, match="certificate has expired"):
        requests.get(doorman_tls.tls["modes"]["expired"] + "/health", verify=doorman_tls.tls["ca"], timeout=5)

    # The handshake the client refused is in the journal, with the TLS alert it sent.
    [entry] = doorman_tls.wait_for_journal(1, step="tls")
    assert entry["tls"]["mode"] == "expired"
    assert entry["tls"]["alert"] == "certificate expired"


def test_the_same_client_trusting_doorman_s_ca_gets_through_on_the_main_listener(doorman_tls):
    response = requests.get(doorman_tls.url + "/health", verify=doorman_tls.tls["ca"], timeout=5)

    assert response.status_code == 200


def test_a_client_with_verify_false_is_caught_by_the_report(doorman_tls):
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    response = requests.get(doorman_tls.tls["modes"]["expired"] + "/health", verify=False, timeout=5)

    assert response.status_code == 200  # the request went through: nothing in the client noticed
    report = requests.get(doorman_tls.url + "/__doorman/report", verify=doorman_tls.tls["ca"], timeout=5).json()
    assert "the client accepted an expired certificate: it is not verifying certificates" in report["tls"]["flags"][0]
