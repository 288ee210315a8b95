"""Hostile payloads for the fetch tests: compression bombs and a throwaway TLS setup."""

from __future__ import annotations

import gzip
import ssl
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

# ---- TLS ---------------------------------------------------------------------------------


def tls_context(folder: Path, hostname: str) -> tuple[ssl.SSLContext, Path, list[str]]:
    """A server context with a certificate for hostname from a fresh CA; the CA file; SNI seen."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test CA")).issuer_name(name("test CA"))
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(name(hostname)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(leaf.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    sni: list[str] = []
    context.sni_callback = lambda _sock, server_name, _ctx: sni.append(server_name or "")
    return context, ca_file, sni


# ---- compression bombs --------------------------------------------------------------------


def gzip_bomb(gib: int = 2) -> bytes:
    """A gzip body of many members, each 16 MiB of zeros: ~16 KB per member on the wire."""
    member = gzip.compress(bytes(16 * 2**20), compresslevel=9)
    return member * (gib * 64)


def deflate_bomb(gib: int = 2) -> bytes:
    """A raw-deflate stream of identical fully flushed 16 MiB blocks of zeros."""
    zeros = bytes(16 * 2**20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor starts afresh, so every later block is byte-identical.
    assert comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH) == block
    return first + block * (gib * 64 - 1) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
