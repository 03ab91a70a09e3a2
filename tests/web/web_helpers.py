"""Helpers the web tests share."""

import re
import shutil
import threading

ROLES = ("admin", "approver", "analyst")
PASSWORD = "correct horse battery"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_of(html):
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def login(client, role, password=PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"email": f"{role}@example.com", "password": password,
                                       "csrf_token": csrf_of(page.get_data(as_text=True))})


class ServedApp:
    """The hub's Flask app under waitress on a free loopback port, in a thread."""

    def __init__(self, app, port=0):
        from waitress.server import create_server

        self.server = create_server(app, host="127.0.0.1", port=port, threads=4)
        self.port = self.server.effective_port
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.close()


def start_sandbox(name, monkeypatch, **options):
    """One installed connector's sandbox on a free port (HTTPS ones trusted through the env)."""
    from hub.sandbox import discover, ensure_certificates
    from hub.testing.harness import TLS_DIRECTORY

    sandbox = discover()[name](**options)
    tls = ensure_certificates(TLS_DIRECTORY) if sandbox.spec.tls else False
    if tls:
        # The hub's requests sessions read REQUESTS_CA_BUNDLE, as an operator would set it.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca))
    return sandbox.serve(tls=tls)


def begin_connect(client, connector_name, instance):
    """Press Connect; return the vendor authorize URL the hub redirected to."""
    page = client.get("/connectors").get_data(as_text=True)
    response = client.post(f"/connectors/{connector_name}/connect",
                           data={"instance": instance, "csrf_token": csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def consent(authorize_url, decision="allow"):
    """Answer the sandbox's consent page over HTTP; return the callback path with its query."""
    from urllib.parse import urlsplit

    from hub.sandbox import give_consent

    callback = urlsplit(give_consent(authorize_url, decision))
    assert callback.path == "/connections/callback"
    return f"{callback.path}?{callback.query}"
