"""The local cloud's X.509 material for MQTT over mutual TLS: one CA, the broker's server certificate, one client
certificate per tenant (CN = tenant, as AWS IoT ties a thing's policy to its certificate) and one privileged client
certificate for the local cloud's own bridge (IoT data-plane Publish and topic rules).

Created once, on first run, under .localcloud/mqtt/certs/ (git-ignored) and reused afterwards, so a worker started
with yesterday's certificates still connects. A tenant added later gets its certificate on the next start.
"""
import datetime
import fcntl
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BRIDGE_IDENTITY = "localcloud-bridge"
_VALID_DAYS = 3650
# CreateKeysAndCertificate's certificates are valid until the end of 2049 on AWS.
_DEVICE_NOT_AFTER = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


@dataclass(frozen=True)
class ClientCertificate:
    identity: str
    cert: Path
    key: Path


@dataclass(frozen=True)
class CertificateAuthority:
    folder: Path

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def _ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"

    def client(self, identity: str) -> ClientCertificate:
        return ClientCertificate(identity, self.folder / f"{identity}.crt", self.folder / f"{identity}.key")

    # --- creation -------------------------------------------------------------------------------------------------
    def ensure(self, identities: list[str]) -> None:
        """Create what is missing: the CA and server certificate once, then any identity without a certificate."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Two clouds starting at once (make local, make test) must not mint two CAs: one creates, the other waits.
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._ensure_locked(identities)

    def _ensure_locked(self, identities: list[str]) -> None:
        if not (self.ca_cert.exists() and self._ca_key.exists()):
            self._create_ca()
        ca_key = serialization.load_pem_private_key(self._ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        if not (self.server_cert.exists() and self.server_key.exists()):
            self._issue(ca_cert, ca_key, "localhost", self.server_cert, self.server_key, server=True)
        for identity in identities:
            client = self.client(identity)
            if not (client.cert.exists() and client.key.exists()):
                self._issue(ca_cert, ca_key, identity, client.cert, client.key, server=False)

    def _create_ca(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "waitflows local cloud CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                             content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, encipher_only=False,
                                             decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        _write_key(self._ca_key, key)
        self.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def issue_device_certificate(self, subject: x509.Name, public_key) -> x509.Certificate:
        """A client certificate for a device's own key, as AWS IoT's CA issues one (the subject is the caller's)."""
        ca_key = serialization.load_pem_private_key(self._ca_key.read_bytes(), password=None)
        ca_cert = x509.load_pem_x509_certificate(self.ca_cert.read_bytes())
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(_DEVICE_NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))

    @staticmethod
    def _issue(ca_cert, ca_key, common_name: str, cert_path: Path, key_path: Path, *, server: bool) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
                   .issuer_name(ca_cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(
                       [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
