"""Reading a vendor's consent page like a browser: the form, its fields, the chosen button."""

import pytest

from hub.sandbox.oauth import CONSENT_PAGE
from hub.sandbox.consent import ConsentPage

PAGE = "https://vendor.test/oauth/authorize?client_id=hub&state=s1"


def test_the_kits_consent_page():
    import jinja2

    html = jinja2.Template(CONSENT_PAGE).render(
        client={"name": "helpdesk-hub"}, scopes=["read"], user={"name": "Ada", "email": "a@x"},
        action="/oauth/authorize?client_id=hub&amp;state=s1",
    )
    form = ConsentPage.parse(html, PAGE)
    assert form.method == "POST"
    assert form.action == "https://vendor.test/oauth/authorize?client_id=hub&state=s1"
    assert form.submission("allow") == [("decision", "allow")]
    assert form.submission("deny") == [("decision", "deny")]


def test_hidden_fields_checked_boxes_and_input_buttons():
    html = """
    <form action="/search"><input type="submit" value="Search"></form>
    <form method="post" action="/consent">
      <input type="hidden" name="csrf" value="t0k">
      <input type="checkbox" name="scope" value="read" checked>
      <input type="checkbox" name="scope" value="write">
      <textarea name="note">hi</textarea>
      <input type="submit" name="approve" value="Authorize app">
      <input type="submit" name="cancel" value="Cancel">
    </form>"""
    form = ConsentPage.parse(html, PAGE)
    assert form.action == "https://vendor.test/consent"
    assert form.submission("allow") == [("csrf", "t0k"), ("scope", "read"), ("note", "hi"), ("approve", "Authorize app")]
    assert form.submission("deny")[-1] == ("cancel", "Cancel")


def test_a_page_without_a_consent_form_is_reported():
    with pytest.raises(AssertionError, match="no form with an Allow or Deny button"):
        ConsentPage.parse('<p>Please sign in</p><form><button>Continue</button></form>', PAGE)


def test_a_form_without_the_wanted_button_is_reported():
    form = ConsentPage.parse('<form method="post"><button>Deny</button></form>', PAGE)
    with pytest.raises(AssertionError, match="no 'allow' button"):
        form.submission("allow")
