"""What no route takes is answered in JSON through VendorSpec.render_http_error, never with
Flask's HTML pages: unknown paths, wrong methods, crashed routes."""

from dataclasses import replace

import flask
import pytest
from sandbox_toy import TOY, create_toy


def test_default_refusals_are_json_not_html():
    client = create_toy().app.test_client()
    unknown = client.get("/api/v2/nowhere")
    assert unknown.status_code == 404 and unknown.is_json
    assert unknown.get_json()["error"] == "Not Found"
    wrong = client.delete("/api/v2/tickets")
    assert wrong.status_code == 405 and wrong.is_json
    assert b"<html" not in unknown.data + wrong.data


def test_the_vendor_renders_every_refusal_and_sees_the_allowed_methods():
    seen = []

    def render(error):
        seen.append((error.code, sorted(getattr(error, "valid_methods", None) or ())))
        return flask.jsonify(vendor_error=error.code), error.code

    client = create_toy(replace(TOY, render_http_error=render)).app.test_client()
    assert client.get("/nowhere").get_json() == {"vendor_error": 404}
    assert client.patch("/api/v2/tickets").get_json() == {"vendor_error": 405}
    assert seen == [(404, []), (405, ["GET", "HEAD", "OPTIONS", "POST"])]


def test_a_crashed_route_answers_the_vendors_500_and_is_logged(caplog):
    sandbox = create_toy(replace(TOY, render_http_error=lambda e: (flask.jsonify(code=e.code), e.code)))

    @sandbox.app.get("/api/v2/crash")
    def crash():
        raise KeyError("a sandbox bug")

    answer = sandbox.app.test_client().get("/api/v2/crash")
    assert answer.status_code == 500 and answer.get_json() == {"code": 500}
    assert any("sandbox route crashed" in r.message and r.exc_info for r in caplog.records)


@pytest.mark.parametrize("path", ["/_sandbox/", "/_sandbox/faults"])
def test_control_routes_still_answer_their_own(path):
    assert create_toy().app.test_client().get(path).status_code == 200
