"""The local IoT CA: what plays Amazon's roots for the local AWS IoT Core.

- ca.crt: the root a worker trusts, as it trusts AmazonRootCA1.pem on AWS (`--ca`);
- server.crt: the IoT gateway's TLS certificate (localhost, 127.0.0.1), signed by that root;
- device certificates: signed by the same key when IoT's CreateKeysAndCertificate makes one
  (localcloud/iot/moto_gaps.py), so the gateway can verify a certificate the registry issued, as AWS does.

No device certificate is made here and none is kept per tenant: a tenant's certificate exists once an operator (or
`python -m workers.onprem.onboard`) created it through the IoT API. The CA itself is made once, on first run, under
.localcloud/mqtt/certs/ (git-ignored) and reused, so a worker keeps trusting the same root across restarts.
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

_VALID_DAYS = 3650
# CreateKeysAndCertificate's certificates are valid until the end of 2049 on AWS.
_DEVICE_NOT_AFTER = datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    return x509.KeyUsage(**{**flags, **enabled})


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

    # --- creation -------------------------------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create what is missing: the CA, then the gateway's server certificate."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Two clouds starting at once (make local, make test) must not mint two CAs: one creates, the other waits.
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (self.ca_cert.exists() and self._ca_key.exists()):
                self._create_ca()
            if not (self.server_cert.exists() and self.server_key.exists()):
                self._create_server_certificate()

    def _load(self):
        key = serialization.load_pem_private_key(self._ca_key.read_bytes(), password=None)
        return x509.load_pem_x509_certificate(self.ca_cert.read_bytes()), key

    def _create_ca(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "waitflows local cloud CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True), critical=True)
                .sign(key, hashes.SHA256()))
        _write_key(self._ca_key, key)
        self.ca_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def _create_server_certificate(self) -> None:
        ca_cert, ca_key = self._load()
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
                .issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        _write_key(self.server_key, key)
        self.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def issue_device_certificate(self, subject: x509.Name, public_key) -> x509.Certificate:
        """A client certificate for a device's own key, as AWS IoT's CA issues one (the subject is the caller's)."""
        ca_cert, ca_key = self._load()
        now = datetime.datetime.now(datetime.timezone.utc)
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(_DEVICE_NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_key_usage(digital_signature=True, key_encipherment=True), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))


def _write_key(path: Path, key) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
