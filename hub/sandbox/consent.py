"""Drive a sandbox's consent page from a script, exactly as a browser would.

The demo, the conformance suite and vendor tests all connect the hub this way: GET the
authorization URL, submit the page's form with the chosen button, read the redirect. Sandboxes
render their own consent pages (the kit's, or a vendor look-alike), so nothing here assumes ids:
the form to submit is the first with an "Allow"-like or "Deny"-like submit button.
"""

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from bs4 import BeautifulSoup


class ConsentError(RuntimeError):
    """The authorization URL did not lead to a consent page, or the decision was not accepted."""


def give_consent(authorization_url, decision="allow", session=None):
    """Answer the consent page at ``authorization_url`` with ``decision`` ("allow" or "deny")
    and return the callback URL the sandbox redirects to (with ``code`` or ``error``).

    ``session``: a ``requests.Session`` to use (e.g. with ``verify`` set for an HTTPS sandbox).
    """
    if decision not in ("allow", "deny"):
        raise ValueError(f"decision must be 'allow' or 'deny', not {decision!r}")
    session = session or requests.Session()
    page = session.get(authorization_url, allow_redirects=False)
    if page.status_code != 200:
        raise ConsentError(
            f"no consent page at {authorization_url}: {page.status_code} {page.text[:200]}"
        )
    try:
        form = ConsentPage.parse(page.text, page.url)
        data = form.submission(decision)
    except AssertionError as error:
        raise ConsentError(f"{authorization_url} answered without a consent form: {error}") from None
    answer = session.request(form.method, form.action, data=data, allow_redirects=False)
    if answer.status_code not in (301, 302, 303, 307) or "Location" not in answer.headers:
        raise ConsentError(f"consent not accepted: {answer.status_code} {answer.text[:200]}")
    return urljoin(answer.url, answer.headers["Location"])


BUTTON_WORDS = {
    "allow": re.compile(r"allow|authori[sz]e|approve|accept|grant|install", re.IGNORECASE),
    "deny": re.compile(r"deny|reject|decline|cancel", re.IGNORECASE),
}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass
class ConsentPage:
    action: str
    method: str
    fields: list  # (name, value) pairs the form sends whatever is pressed
    buttons: list  # (label, name, value) of its submit buttons

    @classmethod
    def parse(cls, html, page_url):
        """The consent form on ``html``; raises AssertionError when the page has none."""
        soup = BeautifulSoup(html, "html.parser")
        for form in soup.find_all("form"):
            buttons = [_button(tag) for tag in form.find_all(["button", "input"]) if _is_submit(tag)]
            if not any(words.search(label) or words.search(value or "")
                       for label, _, value in buttons for words in BUTTON_WORDS.values()):
                continue  # a search box or a language picker, not the consent form
            fields = []
            for tag in form.find_all(["input", "textarea", "select"]):
                name = tag.get("name")
                kind = (tag.get("type") or "text").lower()
                if not name or kind in NOT_SENT or (kind in ("checkbox", "radio") and not tag.has_attr("checked")):
                    continue
                if tag.name == "textarea":
                    value = tag.get_text()
                elif tag.name == "select":
                    option = tag.find("option", selected=True) or tag.find("option")
                    value = option.get("value", option.get_text()) if option else ""
                else:
                    value = tag.get("value", "on" if kind in ("checkbox", "radio") else "")
                fields.append((name, value))
            return cls(
                action=urljoin(page_url, form.get("action") or page_url),
                method=(form.get("method") or "get").upper(),
                fields=fields,
                buttons=buttons,
            )
        raise AssertionError(f"the consent page at {page_url} has no form with an Allow or Deny button")

    def submission(self, decision):
        """Form data for pressing the ``decision`` ("allow" or "deny") button."""
        words = BUTTON_WORDS[decision]
        for label, name, value in self.buttons:
            if words.search(label) or words.search(value or ""):
                return self.fields + ([(name, value)] if name else [])
        labels = ", ".join(repr(label) for label, _, _ in self.buttons)
        raise AssertionError(f"the consent form has no {decision!r} button (buttons: {labels})")


def _is_submit(tag):
    kind = (tag.get("type") or ("submit" if tag.name == "button" else "text")).lower()
    return kind == "submit"


def _button(tag):
    label = tag.get_text(" ", strip=True) if tag.name == "button" else tag.get("value", "")
    return label, tag.get("name"), tag.get("value", "")
