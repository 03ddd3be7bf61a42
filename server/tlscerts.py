"""A throw-away test CA and server certificate, made with the openssl CLI.

The certificate names 127.0.0.1, ::1, localhost and play.google.com, so a
client can either talk to the loopback address directly or resolve
play.google.com to it (curl --resolve) and still verify the chain with
--cacert <ca.pem>.  EC P-256 keys keep generation under a second.
"""

import os
import shutil
import ssl
import subprocess
import tempfile

EXT = """basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:play.google.com
"""


def _run(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr.decode(errors="replace")))


def make_certs(directory=None):
    """Create ca.pem, server.pem and server.key in directory (a new temp dir
    when None).  Existing files there are reused, which lets a shell script
    know the CA path before the server starts.  Returns (dir, created_tmp)."""
    created = directory is None
    d = tempfile.mkdtemp(prefix="playfast-replay-tls-") if created else directory
    os.makedirs(d, exist_ok=True)
    if all(os.path.exists(os.path.join(d, f)) for f in ("ca.pem", "server.pem", "server.key")):
        return d, created
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try:
        _run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "7",
              "-subj", "/CN=playfast replay test CA",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
        _run(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr",
              "-subj", "/CN=127.0.0.1"], d)
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write(EXT)
        _run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
              "-CAcreateserial", "-out", "server.pem", "-days", "7", "-extfile", "ext.cnf"], d)
    except Exception:
        if created:
            shutil.rmtree(d, ignore_errors=True)
        raise
    return d, created


def server_context(cert_dir, h2):
    """A TLS server context; ALPN offers h2 first when h2 is on."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(cert_dir, "server.pem"), os.path.join(cert_dir, "server.key"))
    ctx.set_alpn_protocols(["h2", "http/1.1"] if h2 else ["http/1.1"])
    # h2 (RFC 9113 9.2) forbids renegotiation and needs TLS 1.2+.
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION
    return ctx
