"""Bearer-token authentication, account isolation, the audit log and TLS,
driven over HTTP and through the CLI against a real `floecat serve`."""

import http.client
import json
import os
import secrets
import shutil
import ssl
import stat
import subprocess
import tempfile
import unittest

from floecat_fixtures import BINARY, ApiResponse, FloecatServer, free_port, run_cli


def canary():
    return "CANARY" + secrets.token_hex(12)


def create_token(server, account, description="test"):
    """Creates an account token through the CLI and returns its JSON."""
    result = run_cli(["token", "create", "--account", account, "--description", description,
                      "--output", "json"], server=server)
    return json.loads(result.stdout)


def connector_body(name, secret_value):
    return {"display_name": name, "kind": "glue", "uri": "https://glue.example.test",
            "auth": {"scheme": "aws-sigv4",
                     "credentials": {"type": "aws", "access_key_id": "AKIDEXAMPLE",
                                     "secret_access_key": secret_value}}}


class AuthTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = FloecatServer()
        cls.server.start()
        for account in ("acme", "globex"):
            response = cls.server.request("POST", "/api/v1/accounts",
                                          {"id": account, "display_name": account.title()})
            assert response.status == 201, response
        cls.globex_secret = canary()
        response = cls.server.request("POST", "/api/v1/accounts/globex/connectors",
                                      connector_body("globex-glue", cls.globex_secret))
        assert response.status == 201, response
        cls.globex_connector = response.json()["id"]
        response = cls.server.request(
            "POST", "/api/v1/accounts/globex/storage-authorities",
            {"display_name": "globex-lake", "location_prefix": "s3://globex-bucket/lake/",
             "region": "us-east-1"})
        assert response.status == 201, response
        cls.globex_authority = response.json()["id"]
        cls.acme = create_token(cls.server, "acme")

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def as_acme(self, method, path, body=None, headers=None):
        return self.server.request(method, path, body, headers, token=self.acme["token"])

    def audit_lines(self):
        with open(os.path.join(self.server.data_dir, "audit.log"), encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def audit_bytes(self):
        with open(os.path.join(self.server.data_dir, "audit.log"), "rb") as f:
            return f.read()

    # ---- tokens ----------------------------------------------------------

    def test_admin_token_file_is_private(self):
        path = os.path.join(self.server.data_dir, "admin-token")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertRegex(self.server.admin_token, r"^fct_[0-9a-f]{16}_[0-9a-f]{64}$")

    def test_token_shown_once_and_never_listed(self):
        created = create_token(self.server, "acme", "listing check")
        self.assertRegex(created["token"], r"^fct_%s_[0-9a-f]{64}$" % created["id"])
        listed = run_cli(["token", "list", "--output", "json"], server=self.server)
        tokens = json.loads(listed.stdout)["tokens"]
        entry = [t for t in tokens if t["id"] == created["id"]]
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry[0]["account_id"], "acme")
        self.assertEqual(entry[0]["description"], "listing check")
        self.assertFalse(entry[0]["revoked"])
        self.assertNotIn(created["token"].encode(), listed.stdout)
        self.assertNotIn(self.server.admin_token.encode(), listed.stdout)
        table = run_cli(["token", "list"], server=self.server)
        self.assertIn(created["id"].encode(), table.stdout)
        self.assertNotIn(created["token"].encode(), table.stdout)

    def test_token_table_output_for_create(self):
        result = run_cli(["token", "create", "--account", "acme"], server=self.server)
        self.assertRegex(result.stdout.decode(), r"token: fct_[0-9a-f]{16}_[0-9a-f]{64}")

    def test_token_for_unknown_account_rejected(self):
        result = run_cli(["token", "create", "--account", "nosuch"], server=self.server,
                         check=False)
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIn(b"nosuch", result.stderr)

    def test_bad_tokens_get_401(self):
        revoked = create_token(self.server, "acme", "to revoke")
        run_cli(["token", "revoke", revoked["id"]], server=self.server)
        wrong = self.acme["token"][:-1] + ("0" if self.acme["token"][-1] != "0" else "1")
        cases = {
            "missing": None,
            "malformed": "Bearer not-a-floecat-token",
            "other scheme": "Basic dXNlcjpwYXNz",
            "empty": "Bearer ",
            "unknown id": "Bearer fct_0000000000000000_" + "a" * 64,
            "wrong secret": "Bearer " + wrong,
            "revoked": "Bearer " + revoked["token"],
        }
        for name, header in cases.items():
            with self.subTest(name):
                headers = {} if header is None else {"Authorization": header}
                response = self.server.request("GET", "/api/v1/accounts/acme/connectors",
                                               headers=headers, token=None)
                self.assertEqual(response.status, 401, response)
                self.assertTrue(response.headers.get("WWW-Authenticate", "").startswith("Bearer"),
                                response.headers)
                self.assertEqual(response.json()["error"]["code"], "unauthenticated")
                if header:
                    self.assertNotIn(header[7:] or "-", response.body)

    def test_unknown_path_needs_token(self):
        response = self.server.request("GET", "/api/v1/no-such-route", token=None)
        self.assertEqual(response.status, 401)
        response = self.server.request("GET", "/api/v1/no-such-route")
        self.assertEqual(response.status, 404)

    def test_health_checks_are_public(self):
        for path in ("/healthz", "/readyz"):
            self.assertEqual(self.server.request("GET", path, token=None).status, 200)

    def test_revoked_token_stops_working_through_cli(self):
        created = create_token(self.server, "acme", "revoke via cli")
        env = {"FLOECAT_TOKEN": created["token"]}
        ok = run_cli(["account", "get", "acme"], server=self.server, env=env, check=False)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        run_cli(["token", "revoke", created["id"]], server=self.server)
        after = run_cli(["account", "get", "acme"], server=self.server, env=env, check=False)
        self.assertEqual(after.returncode, 1, after.stderr)
        self.assertIn(b"HTTP 401", after.stderr)
        again = run_cli(["token", "revoke", created["id"]], server=self.server, check=False)
        self.assertEqual(again.returncode, 0, again.stderr)
        missing = run_cli(["token", "revoke", "0000000000000000"], server=self.server, check=False)
        self.assertEqual(missing.returncode, 4, missing.stderr)

    # ---- account isolation ---------------------------------------------

    def test_own_account_reachable(self):
        response = self.as_acme("GET", "/api/v1/accounts/acme")
        self.assertEqual(response.status, 200, response)
        created = self.as_acme("POST", "/api/v1/accounts/acme/connectors",
                               connector_body("acme-own-%s" % secrets.token_hex(4), canary()))
        self.assertEqual(created.status, 201, created)
        listed = self.as_acme("GET", "/api/v1/accounts/acme/connectors")
        self.assertEqual(listed.status, 200, listed)

    def test_other_account_is_not_found(self):
        connectors = "/api/v1/accounts/globex/connectors"
        connector = connectors + "/"
        authority = "/api/v1/accounts/globex/storage-authorities/"
        cases = [
            ("GET", "/api/v1/accounts/globex", None),
            ("GET", connectors, None),
            ("GET", connector + self.globex_connector, None),
            ("GET", connector + "globex-glue", None),
            ("PATCH", connector + self.globex_connector, {"uri": "https://evil.example.test"}),
            ("PATCH", connector + "globex-glue", {"uri": "https://evil.example.test"}),
            ("DELETE", connector + self.globex_connector, None),
            ("DELETE", connector + "globex-glue", None),
            ("POST", connectors, connector_body("planted", canary())),
            ("GET", authority + self.globex_authority, None),
            ("GET", authority + "globex-lake", None),
            ("DELETE", authority + "globex-lake", None),
            ("POST", "/api/v1/accounts/globex/storage-authorities:resolve",
             {"location": "s3://globex-bucket/lake/t1", "include_credentials": True}),
            ("GET", "/iceberg/v1/globex/namespaces", None),
            ("POST", "/iceberg/v1/globex/namespaces", {"namespace": ["planted"]}),
            ("GET", "/iceberg/v1/config?warehouse=globex", None),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                response = self.as_acme(method, path, body)
                self.assertEqual(response.status, 404, response)
                self.assertNotIn(self.globex_secret, response.body)
        # Nothing changed in globex.
        kept = self.server.request("GET", connector + self.globex_connector)
        self.assertEqual(kept.status, 200, kept)
        self.assertEqual(kept.json()["uri"], "https://glue.example.test")
        self.assertEqual(self.server.request("GET", authority + "globex-lake").status, 200)
        listed = self.server.request("GET", connectors).json()["connectors"]
        self.assertEqual([c["display_name"] for c in listed], ["globex-glue"])

    def test_missing_account_looks_the_same(self):
        other = self.as_acme("GET", "/api/v1/accounts/globex/connectors")
        missing = self.as_acme("GET", "/api/v1/accounts/nosuch/connectors")
        self.assertEqual(other.status, missing.status)
        self.assertEqual(other.json()["error"]["code"], missing.json()["error"]["code"])

    def test_admin_routes_refused_to_account_token(self):
        cases = [
            ("GET", "/api/v1/accounts", None),
            ("POST", "/api/v1/accounts", {"id": "planted", "display_name": "Planted"}),
            ("DELETE", "/api/v1/accounts/acme", None),
            ("GET", "/api/v1/tokens", None),
            ("POST", "/api/v1/tokens", {"account_id": "globex"}),
            ("DELETE", "/api/v1/tokens/" + self.acme["id"], None),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                response = self.as_acme(method, path, body)
                self.assertEqual(response.status, 403, response)
        self.assertEqual(self.server.request("GET", "/api/v1/accounts/acme").status, 200)
        cli = run_cli(["account", "list"], server=self.server,
                      env={"FLOECAT_TOKEN": self.acme["token"]}, check=False)
        self.assertEqual(cli.returncode, 1)
        self.assertIn(b"HTTP 403", cli.stderr)

    # ---- audit log -----------------------------------------------------

    def test_audit_records_refusals_and_secret_writes(self):
        marker = secrets.token_hex(4)
        payload = canary()
        refusals = [
            ("GET", "/api/v1/accounts/acme/connectors/" + marker, None),
            ("GET", "/api/v1/accounts/globex/connectors/" + marker, self.acme["token"]),
            ("DELETE", "/api/v1/tokens/" + marker, self.acme["token"]),
        ]
        for method, path, token in refusals:
            self.server.request(method, path, token=token)
        name = "audited-" + marker
        created = self.server.request("POST", "/api/v1/accounts/acme/connectors",
                                      connector_body(name, payload), token=self.acme["token"])
        self.assertEqual(created.status, 201, created)
        connector_id = created.json()["id"]
        patched = self.server.request(
            "PATCH", "/api/v1/accounts/acme/connectors/" + connector_id,
            {"auth": {"credentials": {"type": "aws", "access_key_id": "AKIDEXAMPLE",
                                      "secret_access_key": canary()}}},
            token=self.acme["token"])
        self.assertEqual(patched.status, 200, patched)
        deleted = self.server.request("DELETE", "/api/v1/accounts/acme/connectors/" + connector_id,
                                      token=self.acme["token"])
        self.assertEqual(deleted.status, 204, deleted)

        lines = self.audit_lines()
        rejects = [l for l in lines if l["action"] == "auth.reject" and marker in l["resource"]]
        self.assertEqual(len(rejects), 3, lines[-10:])
        outcomes = sorted(l["outcome"] for l in rejects)
        self.assertEqual(outcomes, ["not_found", "permission_denied", "unauthenticated"])
        cross = [l for l in lines if l["action"] == "auth.reject" and
                 l["resource"].endswith("/globex/connectors/" + marker)]
        self.assertEqual(len(cross), 1)
        self.assertEqual(cross[0]["outcome"], "not_found")
        self.assertEqual(cross[0]["token_id"], self.acme["id"])
        self.assertEqual(cross[0]["account_id"], "globex")

        writes = [l for l in lines if l["action"].startswith("secret.") and
                  l["resource"] == "connectors/" + connector_id]
        actions = [l["action"] for l in writes]
        self.assertIn("secret.put", actions)
        self.assertIn("secret.update", actions)
        self.assertIn("secret.remove", actions)
        for line in writes:
            self.assertEqual(line["account_id"], "acme")
            self.assertEqual(line["token_id"], self.acme["id"])
            self.assertEqual(line["secret_name"], "accounts/acme/connectors/" + connector_id)
            self.assertEqual(line["outcome"], "ok")
            self.assertIn("time", line)
            # The local store makes no AWS calls.
            self.assertIsNone(line["aws_request_id"])

        text = self.audit_bytes()
        self.assertNotIn(payload.encode(), text)
        self.assertNotIn(self.globex_secret.encode(), text)
        self.assertNotIn(self.acme["token"].encode(), text)
        self.assertNotIn(self.server.admin_token.encode(), text)
        self.assertNotIn(b"fct_", text)

    def test_audit_records_admin_actions(self):
        created = create_token(self.server, "globex", "admin audit")
        run_cli(["token", "revoke", created["id"]], server=self.server)
        lines = self.audit_lines()
        create_lines = [l for l in lines if l["action"] == "token.create" and
                        l["resource"] == created["id"]]
        self.assertEqual(len(create_lines), 1)
        self.assertEqual(create_lines[0]["account_id"], "globex")
        self.assertEqual(create_lines[0]["outcome"], "ok")
        admin_id = self.server.admin_token[4:20]
        self.assertEqual(create_lines[0]["token_id"], admin_id)
        revoke_lines = [l for l in lines if l["action"] == "token.revoke" and
                        l["resource"] == created["id"]]
        self.assertEqual(len(revoke_lines), 1)
        self.assertNotIn(created["token"].encode(), self.audit_bytes())


class AdminTokenLifecycleTest(unittest.TestCase):

    def test_restart_keeps_admin_token(self):
        server = FloecatServer()
        try:
            server.start()
            first = server.admin_token
            self.assertIn(first, server.log_text(), "the token is shown once at first start")
            server.stop()
            server.start()
            self.assertEqual(server.admin_token, first)
            self.assertEqual(server.log_text().count(first), 1, "shown only at first start")
            self.assertEqual(server.request("GET", "/api/v1/accounts").status, 200)
        finally:
            server.cleanup()

    def test_reset_admin_replaces_token(self):
        server = FloecatServer()
        try:
            server.start()
            old = server.admin_token
            server.stop()
            reset = run_cli(["token", "reset-admin"], data_dir=server.data_dir)
            self.assertIn(b"revoked 1 admin token", reset.stderr)
            server.start()
            new = server.admin_token
            self.assertNotEqual(new, old)
            self.assertEqual(server.request("GET", "/api/v1/accounts", token=new).status, 200)
            self.assertEqual(server.request("GET", "/api/v1/accounts", token=old).status, 401)
        finally:
            server.cleanup()

    def test_reset_admin_needs_existing_store(self):
        data_dir = tempfile.mkdtemp(prefix="floecat-auth-empty-")
        try:
            result = run_cli(["token", "reset-admin"], data_dir=data_dir, check=False)
            self.assertEqual(result.returncode, 4, result.stderr)
            self.assertFalse(os.path.exists(os.path.join(data_dir, "admin-token")))
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    def test_stale_token_file_blocks_start(self):
        data_dir = tempfile.mkdtemp(prefix="floecat-auth-stale-")
        try:
            with open(os.path.join(data_dir, "admin-token"), "w") as f:
                f.write("fct_0000000000000000_" + "0" * 64 + "\n")
            port = free_port()
            result = subprocess.run(
                [BINARY, "serve", "--listen", "127.0.0.1:%d" % port, "--data-dir", data_dir],
                capture_output=True, timeout=60)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(b"admin-token", result.stderr)
            self.assertIn(b"remove the file", result.stderr)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)


class TlsServer(FloecatServer):
    """A FloecatServer started with --tls-cert/--tls-key; requests go over
    HTTPS and verify the certificate against `ca_file`."""

    def __init__(self, cert_file, key_file):
        super().__init__()
        self.cert_file = cert_file
        self.key_file = key_file

    @property
    def url(self):
        return "https://127.0.0.1:%d" % self.port

    def command(self):
        return super().command() + ["--tls-cert", self.cert_file, "--tls-key", self.key_file]

    def request(self, method, path, body=None, headers=None, raw_body=None, timeout=30,
                token=True):
        context = ssl.create_default_context(cafile=self.cert_file)
        all_headers = dict(headers or {})
        token = self.admin_token if token is True else token
        if token:
            all_headers["Authorization"] = "Bearer " + token
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context,
                                                 timeout=timeout)
        try:
            connection.request(method, path, body=data, headers=all_headers)
            response = connection.getresponse()
            return ApiResponse(response.status, dict(response.getheaders()),
                               response.read().decode())
        finally:
            connection.close()


class TlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="floecat-tls-")
        cls.cert = os.path.join(cls.tmp, "cert.pem")
        cls.key = os.path.join(cls.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", cls.key, "-out", cls.cert, "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=120)
        cls.server = TlsServer(cls.cert, cls.key)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_python_https_round_trip(self):
        created = self.server.request("POST", "/api/v1/accounts",
                                      {"id": "tls-py", "display_name": "TLS Python"})
        self.assertEqual(created.status, 201, created)
        fetched = self.server.request("GET", "/api/v1/accounts/tls-py")
        self.assertEqual(fetched.status, 200, fetched)
        self.assertEqual(fetched.json()["display_name"], "TLS Python")
        self.assertEqual(self.server.request("GET", "/api/v1/accounts", token=None).status, 401)

    def test_tls_below_1_2_rejected(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(self.cert)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        connection = http.client.HTTPSConnection("127.0.0.1", self.server.port, context=context,
                                                 timeout=10)
        try:
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                connection.request("GET", "/healthz")
                connection.getresponse()
        finally:
            connection.close()

    def test_plain_http_to_tls_port_fails(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                raise ConnectionError("got HTTP status %d over plain HTTP" % response.status)
        finally:
            connection.close()

    def test_cli_round_trip_with_ca_file(self):
        created = run_cli(["account", "create", "--id", "tls-cli", "--display-name", "TLS CLI",
                           "--ca-file", self.cert], server=self.server)
        self.assertIn(b"tls-cli", created.stdout)
        fetched = run_cli(["account", "get", "tls-cli", "--output", "json"], server=self.server,
                          env={"FLOECAT_CA_FILE": self.cert})
        self.assertEqual(json.loads(fetched.stdout)["display_name"], "TLS CLI")
        token = run_cli(["token", "create", "--account", "tls-cli", "--output", "json",
                         "--ca-file", self.cert], server=self.server)
        self.assertTrue(json.loads(token.stdout)["token"].startswith("fct_"))

    def test_cli_rejects_unknown_certificate(self):
        env = {"FLOECAT_CA_FILE": ""}
        result = run_cli(["account", "list"], server=self.server, env=env, check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertNotIn(b"tls-", result.stdout)


class ListenRuleTest(unittest.TestCase):

    def test_non_loopback_plain_http_refused(self):
        data_dir = tempfile.mkdtemp(prefix="floecat-listen-")
        try:
            # serve checks the address before it binds, so nothing listens.
            result = subprocess.run(
                [BINARY, "serve", "--listen", "0.0.0.0:%d" % free_port(), "--data-dir", data_dir],
                capture_output=True, timeout=60)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn(b"--insecure-http", result.stderr)
            self.assertIn(b"--tls-cert", result.stderr)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)

    def test_tls_cert_needs_key(self):
        result = subprocess.run([BINARY, "serve", "--tls-cert", "/nonexistent.pem"],
                                capture_output=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"--tls-key", result.stderr)


if __name__ == "__main__":
    unittest.main()
