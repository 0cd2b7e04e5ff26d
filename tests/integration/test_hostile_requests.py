"""Hostile requests against a running server with a registered Iceberg table.

The cases are bad and revoked tokens, cross-account reads, writes, deletes
and vends by id and by display name, `..` and encoded slashes in ids and
namespaces, oversized bodies and headers, and a client that sends one byte
a second.

Each case checks the status, that the server stays healthy, and that the
audit log has one line for the rejection."""

import json
import os
import socket
import unittest

from floecat_fixtures import run_cli
from vending_fixtures import VendingEnvironment, put_table_metadata

DELEGATION = {"X-Iceberg-Access-Delegation": "vended-credentials"}
MAX_BODY_BYTES = 4096
READ_TIMEOUT_MS = 3000


def connector_body(name, token_value):
    return {"display_name": name, "kind": "iceberg", "uri": "https://catalog.example.test/api",
            "auth": {"scheme": "oauth2",
                     "credentials": {"type": "bearer", "token": token_value}}}


class HostileRequestTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # The victim account "globex" has a connector, the storage authority
        # of the vending environment and a registered table.
        cls.env = VendingEnvironment(account="globex", overrides={
            "floecat.http.max-body-bytes": str(MAX_BODY_BYTES),
            "floecat.http.read-timeout-ms": str(READ_TIMEOUT_MS),
        }).start()
        try:
            cls.server = cls.env.server
            cls.env.create_namespace(["sales"])
            _, metadata_location, _ = put_table_metadata(cls.env.moto, cls.env.keys,
                                                         "warehouse/sales/orders")
            registered = cls.server.request(
                "POST", "/iceberg/v1/globex/namespaces/sales/register",
                {"name": "orders", "metadata-location": metadata_location})
            assert registered.status == 200, registered
            cls.victim_secret = "victim-token-value-5f0c2e"
            created = cls.server.request("POST", "/api/v1/accounts/globex/connectors",
                                         connector_body("globex-catalog", cls.victim_secret))
            assert created.status == 201, created
            cls.victim_connector = created.json()["id"]
            created = cls.server.request("POST", "/api/v1/accounts",
                                         {"id": "acme", "display_name": "Acme Analytics"})
            assert created.status == 201, created
            cls.acme = cls.create_token("acme")
        except BaseException:
            cls.env.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    @classmethod
    def create_token(cls, account):
        result = run_cli(["token", "create", "--account", account, "--output", "json"],
                         server=cls.server)
        return json.loads(result.stdout)

    def audit_lines(self):
        with open(os.path.join(self.server.data_dir, "audit.log"), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def assert_healthy(self):
        self.assertEqual(self.server.request("GET", "/healthz", token=None).status, 200)

    def assert_audited(self, before, action, outcome, resource_part):
        """Checks that exactly one audit line written since `before` lines
        has this action and outcome and a resource containing `resource_part`."""
        new_lines = self.audit_lines()[before:]
        matching = [line for line in new_lines
                    if line["action"] == action and line["outcome"] == outcome and
                    resource_part in (line.get("resource") or "")]
        self.assertEqual(len(matching), 1, new_lines)
        return matching[0]

    # ---- tokens ------------------------------------------------------------

    def test_bad_tokens_get_401_and_are_audited(self):
        revoked = self.create_token("acme")
        run_cli(["token", "revoke", revoked["id"]], server=self.server)
        cases = {
            "missing": {},
            "empty": {"Authorization": "Bearer "},
            "not-bearer": {"Authorization": "Basic YWRtaW46YWRtaW4="},
            "malformed": {"Authorization": "Bearer fct_nounderscore"},
            "wrong-secret": {"Authorization": "Bearer " + self.acme["token"][:-4] + "AAAA"},
            "revoked": {"Authorization": "Bearer " + revoked["token"]},
        }
        for name, headers in cases.items():
            with self.subTest(case=name):
                before = len(self.audit_lines())
                path = "/api/v1/accounts/acme/connectors?case=" + name
                response = self.server.request("GET", path, headers=headers, token=None)
                self.assertEqual(response.status, 401, response)
                self.assertIn("Bearer", response.headers.get("WWW-Authenticate", ""))
                self.assert_audited(before, "auth.reject", "unauthenticated",
                                    "/api/v1/accounts/acme/connectors")
                self.assert_healthy()
        text = open(os.path.join(self.server.data_dir, "audit.log"), encoding="utf-8").read()
        self.assertNotIn(revoked["token"], text)
        self.assertNotIn(self.acme["token"], text)

    # ---- another account's resources -----------------------------------------

    def test_cross_account_requests_get_404_and_are_audited(self):
        connectors = "/api/v1/accounts/globex/connectors/"
        authorities = "/api/v1/accounts/globex/storage-authorities/"
        table = "/iceberg/v1/globex/namespaces/sales/tables/orders"
        cases = [
            ("GET", connectors + self.victim_connector, None, {}),
            ("GET", connectors + "globex-catalog", None, {}),
            ("PATCH", connectors + self.victim_connector, {"uri": "https://evil.example.test"},
             {}),
            ("PATCH", connectors + "globex-catalog", {"uri": "https://evil.example.test"}, {}),
            ("DELETE", connectors + self.victim_connector, None, {}),
            ("DELETE", connectors + "globex-catalog", None, {}),
            ("GET", authorities + self.env.authority["id"], None, {}),
            ("DELETE", authorities + "lake", None, {}),
            ("POST", "/api/v1/accounts/globex/storage-authorities:resolve",
             {"location": "s3://lake/warehouse/sales/orders", "include_credentials": True}, {}),
            ("GET", table, None, DELEGATION),
            ("GET", table + "/credentials", None, {}),
            ("DELETE", table, None, {}),
            ("GET", "/iceberg/v1/config?warehouse=globex", None, {}),
        ]
        for method, path, body, headers in cases:
            with self.subTest(method=method, path=path):
                before = len(self.audit_lines())
                response = self.server.request(method, path, body, headers,
                                               token=self.acme["token"])
                self.assertEqual(response.status, 404, response)
                self.assertNotIn("s3.secret-access-key", response.body)
                self.assertNotIn(self.victim_secret, response.body)
                line = self.assert_audited(before, "auth.reject", "not_found", path.split("?")[0])
                self.assertEqual(line["token_id"], self.acme["id"])
                self.assertEqual(line["account_id"], "globex")
                self.assert_healthy()
        unchanged = self.server.request("GET", connectors + self.victim_connector)
        self.assertEqual(unchanged.status, 200, unchanged)
        self.assertEqual(unchanged.json()["uri"], "https://catalog.example.test/api")
        self.assertEqual(self.server.request("GET", table).status, 200)

    # ---- path tricks -------------------------------------------------------

    def test_dot_segments_and_encoded_slashes_are_rejected(self):
        paths = [
            "/api/v1/accounts/acme/connectors/..%2F..%2Fglobex%2Fconnectors",
            "/api/v1/accounts/acme/connectors/%2E%2E",
            "/api/v1/accounts/acme/connectors/..",
            "/api/v1/accounts/acme%2F..%2Fglobex/connectors",
            "/iceberg/v1/acme/namespaces/..%2Fglobex",
            "/iceberg/v1/acme/namespaces/sales%2F..%2F..%2Fglobex/tables/orders",
            "/iceberg/v1/acme%2F..%2Fglobex/namespaces/sales/tables/orders",
        ]
        for path in paths:
            with self.subTest(path=path):
                before = len(self.audit_lines())
                response = self.server.request("GET", path, headers=DELEGATION,
                                               token=self.acme["token"])
                self.assertIn(response.status, (400, 404), response)
                self.assertNotIn(self.victim_secret, response.body)
                self.assertNotIn("storage-credentials", response.body)
                # A table load with delegation is audited as a failed vend.
                new_lines = [line for line in self.audit_lines()[before:]
                             if line["action"] in ("auth.reject", "request.reject", "vend") and
                             line["outcome"] != "ok"]
                self.assertEqual(len(new_lines), 1, self.audit_lines()[before:])
                self.assert_healthy()

    # ---- size limits and slow clients ----------------------------------------

    def raw_exchange(self, data, read_timeout=30.0):
        """Sends raw bytes on a new connection and returns the status code of
        the response (0 when the server closed without one)."""
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=read_timeout) as s:
            s.sendall(data)
            received = b""
            while b"\r\n" not in received:
                chunk = s.recv(4096)
                if not chunk:
                    break
                received += chunk
        if not received.startswith(b"HTTP/1.1 "):
            return 0
        return int(received[9:12])

    def test_oversized_body_gets_413(self):
        before = len(self.audit_lines())
        body = json.dumps(connector_body("big", "x" * (MAX_BODY_BYTES * 2)))
        response = self.server.request("POST", "/api/v1/accounts/acme/connectors",
                                       raw_body=body, token=self.acme["token"],
                                       headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 413, response)
        # A Content-Length over the limit is rejected while the header is
        # parsed, so the line has no resource.
        self.assert_audited(before, "request.reject", "too_large", "")
        self.assertEqual(self.server.request("GET", "/api/v1/accounts/acme/connectors",
                                             token=self.acme["token"]).json()["connectors"], [])
        self.assert_healthy()

    def test_oversized_headers_get_431(self):
        cases = {
            "one large header": "X-Filler: %s\r\n" % ("a" * 20000),
            "too many headers": "".join("X-Filler-%d: a\r\n" % i for i in range(150)),
        }
        for name, headers in cases.items():
            with self.subTest(case=name):
                before = len(self.audit_lines())
                request = ("GET /api/v1/accounts/acme/connectors HTTP/1.1\r\nHost: x\r\n" +
                           headers + "\r\n").encode()
                self.assertEqual(self.raw_exchange(request), 431)
                self.assert_audited(before, "request.reject", "http_431", "")
                self.assert_healthy()

    def test_one_byte_a_second_gets_408(self):
        before = len(self.audit_lines())
        request = ("GET /api/v1/accounts/acme/connectors HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % self.acme["token"]).encode()
        status = 0
        sent = 0
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as s:
            s.settimeout(1.0)
            received = b""
            for byte in request:
                try:
                    s.sendall(bytes([byte]))
                except OSError:
                    break
                sent += 1
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    continue
                received += chunk
                if not chunk or b"\r\n" in received:
                    break
            if received.startswith(b"HTTP/1.1 "):
                status = int(received[9:12])
        self.assertEqual(status, 408)
        # The response arrived before the request was complete.
        self.assertLess(sent, len(request))
        self.assert_audited(before, "request.reject", "http_408", "")
        self.assert_healthy()


if __name__ == "__main__":
    unittest.main()
