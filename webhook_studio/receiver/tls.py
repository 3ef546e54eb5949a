"""A self-signed certificate the app generates once and keeps, for the optional HTTPS receiver.

The SHA-256 fingerprint is shown to the user so a provider's dashboard (or curl --pinnedpubkey,
or a browser) can be checked against it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhook_studio import paths
from webhook_studio.private_files import (
    UnsafeFileError,
    check_private_file,
    make_private_dir,
    write_private,
)


@dataclass(frozen=True)
class Certificate:
    cert_path: Path
    key_path: Path
    fingerprint: str  # SHA-256, colon-separated upper-case hex


def _fingerprint(cert: x509.Certificate) -> str:
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def ensure_certificate(folder: Path, hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
                       ) -> Certificate:
    """Load the kept certificate from ``folder``, or make one valid for ten years.

    Kept files are used only if they are ours and nobody else can write them (a key pair
    planted by another user would let them impersonate this receiver): otherwise
    :class:`UnsafeFileError` says which file and how to fix it."""
    make_private_dir(folder)
    cert_path, key_path = folder / paths.TLS_CERT_FILENAME, folder / paths.TLS_KEY_FILENAME
    if cert_path.exists() and key_path.exists():
        check_private_file(key_path, "TLS private key")
        check_private_file(cert_path, "TLS certificate")
        try:
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except ValueError as exc:
            raise UnsafeFileError(f"The TLS certificate {cert_path} cannot be read ({exc}); "
                                  f"delete {cert_path} and {key_path} to make a new pair."
                                  ) from exc
        return Certificate(cert_path, key_path, _fingerprint(cert))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Webhook Studio local receiver")])
    alt: list[x509.GeneralName] = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    write_private(key_path, key_bytes)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return Certificate(cert_path, key_path, _fingerprint(cert))


def server_context(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert_path, certificate.key_path)
    return context
