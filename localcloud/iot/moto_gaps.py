"""Where the pinned moto's IoT registry falls short of AWS for this project, fixed next to the IoT it patches.

tests/localcloud/test_iot_registry.py asserts that each gap still exists in plain moto, so a moto upgrade that
closes one tells us (that test fails and says which), and the fix can go.
"""
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from moto.core.config import default_user_config
from moto.iot.models import FakeCertificate, IoTBackend

from localcloud.iot.certificates import CertificateAuthority

# The subject of every certificate AWS IoT's CreateKeysAndCertificate makes: the CN is the same for every device,
# which is why a policy cannot tell tenants apart by iot:Certificate.Subject.CommonName.
AWS_IOT_CERTIFICATE_SUBJECT = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AWS IoT Certificate")])


def sign_created_certificates_with_local_ca(ca: CertificateAuthority) -> None:
    """The gap: moto 5.2.5's CreateKeysAndCertificate (moto/iot/models.py) makes a certificate with the right subject
    (CN=AWS IoT Certificate) but signs it with the device's own key under an issuer named "Moto", so no TLS server
    can verify it; and unless its `iot.use_valid_cert` setting is on, the certificate id is the SHA-256 of the PEM
    text instead of AWS's SHA-256 of the DER certificate.

    Fixed: the certificate is issued by the local IoT CA (the root the gateway verifies clients against, as AWS
    verifies against its own CAs) for a fresh RSA 2048 key, with the subject exactly CN=AWS IoT Certificate, and ids
    are AWS's (moto's own `use_valid_cert` switch). The key pair is returned as moto and AWS return it (PKCS#1 PEM).
    """
    default_user_config.setdefault("iot", {})["use_valid_cert"] = True

    def create_keys_and_certificate(self: IoTBackend, set_as_active: bool):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = ca.issue_device_certificate(AWS_IOT_CERTIFICATE_SUBJECT, key.public_key())
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        registered = FakeCertificate(pem, "ACTIVE" if set_as_active else "INACTIVE", self.account_id,
                                     self.region_name)
        self.certificates[registered.certificate_id] = registered
        key_pair = {
            "PublicKey": key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
            "PrivateKey": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                            serialization.NoEncryption()).decode(),
        }
        return registered, key_pair

    create_keys_and_certificate._localcloud_fix = True
    IoTBackend.create_keys_and_certificate = create_keys_and_certificate
