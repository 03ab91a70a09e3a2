"""A local CA and a loopback server certificate, so sandboxes can speak HTTPS.

simple-salesforce and PySNC hard-code ``https://``; clients trust the sandbox by passing
``verify=paths.ca`` to requests (or ``REQUESTS_CA_BUNDLE=...``). Files are generated once per
directory and reused; a set that is incomplete, unreadable or about to expire is replaced.
"""

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_DIRECTORY = Path("var/tls")
HOSTNAMES = ("localhost",)
ADDRESSES = ("127.0.0.1", "::1")
# Replace the set a while before it lapses so a long-running demo never meets an expired cert.
RENEW_BEFORE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class TLSFiles:
    ca: Path  # give to clients: requests ``verify=``
    cert: Path
    key: Path

    def server_context(self):
        """An ``ssl.SSLContext`` for a server presenting ``cert``/``key``."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self):
        """An ``ssl.SSLContext`` that trusts only the local CA (for urllib-based clients)."""
        return ssl.create_default_context(cafile=str(self.ca))


def ensure_certificates(directory=DEFAULT_DIRECTORY):
    """Return the CA, certificate and key in ``directory``, generating them if needed."""
    directory = Path(directory)
    files = _files_in(directory)
    if _usable(files):
        return files
    directory.parent.mkdir(parents=True, exist_ok=True)
    # Generate into a sibling folder and rename it into place: a concurrent sandbox process
    # sees either no set or a complete one, never a CA that does not match the certificate.
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    _write_new_set(_files_in(staging))
    if directory.exists():
        shutil.rmtree(directory, ignore_errors=True)
    try:
        os.rename(staging, directory)
    except OSError:
        # Another process won the race; its set is as good as ours.
        shutil.rmtree(staging, ignore_errors=True)
        if not _usable(files):
            raise
    return files


def _files_in(directory):
    return TLSFiles(ca=directory / "ca.pem", cert=directory / "cert.pem", key=directory / "key.pem")


def _usable(files):
    try:
        ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    soon = datetime.datetime.now(datetime.UTC) + RENEW_BEFORE
    return min(ca.not_valid_after_utc, cert.not_valid_after_utc) > soon


def _write_new_set(files):
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "helpdesk-hub sandbox CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(name) for name in HOSTNAMES]
    names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ADDRESSES]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=397))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(files.key, 0o600)


def _key_usage(cert_sign):
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
