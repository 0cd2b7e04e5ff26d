"""Attacks the management API with hostile input and concurrent writes.

Each test checks the status, that the error message names the field, that
the server stays healthy, and that no secret value or half-written state is
left behind."""

import json
import os
import socket
import sqlite3
import threading
import unittest

from floecat_fixtures import FloecatServer, run_cli

ACCOUNT = "acct-attack"
BASE = "/api/v1/accounts/" + ACCOUNT


def connector_body(name, token="tok-value", **changes):
    body = {"display_name": name, "kind": "iceberg",
            "uri": "https://catalog.example.test/api",
            "auth": {"scheme": "oauth2",
                     "credentials": {"type": "bearer", "token": token}}}
    body.update(changes)
    return body


def authority_body(name, prefix):
    return {"display_name": name, "location_prefix": prefix, "region": "us-east-1",
            "credentials": {"type": "aws", "access_key_id": "AKIAATTACKTEST000001",
                            "secret_access_key": "attack-secret-" + name}}


def nested(depth, leaf):
    """Returns `depth` nested JSON arrays around `leaf`, as text."""
    return "[" * depth + leaf + "]" * depth


class AttackTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = FloecatServer()
        cls.server.start()
        r = cls.server.request("POST", "/api/v1/accounts",
                               {"id": ACCOUNT, "display_name": "Attack"})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def record_bodies(self):
        path = os.path.join(self.server.data_dir, "records.db")
        with sqlite3.connect(path) as db:
            return [body for (body,) in db.execute("SELECT body FROM records")]

    def secret_names(self):
        result = run_cli(["secrets", "list", "--account", ACCOUNT, "--output", "json"],
                         data_dir=self.server.data_dir)
        return set(json.loads(result.stdout))

    def secret_payload(self, kind, resource_id):
        result = run_cli(["secrets", "get", "--account", ACCOUNT, "--type", kind,
                          "--id", resource_id], data_dir=self.server.data_dir)
        return json.loads(result.stdout)

    def assert_healthy(self):
        self.assertEqual(self.server.request("GET", "/healthz").status, 200)

    def assert_rejected(self, response, status, *words):
        self.assertEqual(response.status, status, response)
        message = response.json()["error"]["message"]
        for word in words:
            self.assertIn(word, message, response)

    def test_invalid_utf8_account_in_path(self):
        r = self.server.request("GET", "/api/v1/accounts/%FF%FE")
        self.assert_rejected(r, 400, "account", "UTF-8")
        self.assert_healthy()

    def test_invalid_utf8_id_in_path(self):
        r = self.server.request("GET", BASE + "/connectors/%C3%28")
        self.assert_rejected(r, 400, "id", "UTF-8")
        r = self.server.request("DELETE", BASE + "/storage-authorities/%80")
        self.assert_rejected(r, 400, "id", "UTF-8")
        self.assert_healthy()

    def send_raw(self, raw_path):
        """Sends a GET of `raw_path` (bytes, sent unencoded) with the admin
        token and returns (status, body)."""
        request_bytes = (b"GET " + raw_path + b" HTTP/1.1\r\nHost: x\r\n" +
                         b"Authorization: Bearer " + self.server.admin_token.encode() +
                         b"\r\n\r\n")
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=30) as sock:
            sock.sendall(request_bytes)
            response = b""
            while b"\r\n\r\n" not in response:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                response += chunk
            head, _, body = response.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                body += chunk
        return int(head.split(b" ")[1]), json.loads(body)

    def test_raw_non_ascii_path(self):
        status, body = self.send_raw(b"/api/v1/no-such/\xff")
        self.assertEqual(status, 404, body)
        status, body = self.send_raw(b"/api/v1/accounts/\xff")
        self.assertEqual(status, 400, body)
        self.assertIn("account", body["error"]["message"])
        self.assert_healthy()

    def test_control_character_id_in_path(self):
        r = self.server.request("GET", BASE + "/connectors/a%00b")
        self.assert_rejected(r, 400, "id", "control")
        self.assert_healthy()

    def test_deeply_nested_credentials(self):
        before = self.record_bodies()
        text = json.dumps(connector_body("deep"))
        text = text.replace('"token": "tok-value"',
                            '"token": "tok-value", "properties": ' + nested(200000, "1"))
        r = self.server.request("POST", BASE + "/connectors", raw_body=text,
                                headers={"Content-Type": "application/json"})
        self.assert_rejected(r, 400, "nest")
        self.assert_healthy()
        self.assertEqual(self.record_bodies(), before)

    def test_deeply_nested_patch(self):
        r = self.server.request("POST", BASE + "/connectors", connector_body("deep-patch"))
        self.assertEqual(r.status, 201, r)
        deep = '{"a":' * 150000 + '"x"' + "}" * 150000
        r = self.server.request("PATCH", BASE + "/connectors/" + r.json()["id"],
                                raw_body='{"properties": ' + deep + "}",
                                headers={"Content-Type": "application/json"})
        self.assert_rejected(r, 400, "nest")
        self.assert_healthy()

    def test_number_out_of_range(self):
        r = self.server.request("POST", "/api/v1/accounts",
                                raw_body='{"id": 1e999, "display_name": "x"}',
                                headers={"Content-Type": "application/json"})
        self.assert_rejected(r, 400, "JSON", "number")
        r = self.server.request("POST", BASE + "/storage-authorities",
                                raw_body='{"display_name": "n", "duration_seconds": -1e400}',
                                headers={"Content-Type": "application/json"})
        self.assert_rejected(r, 400, "JSON", "number")
        self.assert_healthy()

    def test_cookie_property_rejected(self):
        body = connector_body("cookie", properties={"header.Cookie": "session=cookie-value"})
        r = self.server.request("POST", BASE + "/connectors", body)
        self.assert_rejected(r, 400, "header.Cookie", "auth.credentials")
        self.assertFalse(any("cookie-value" in b for b in self.record_bodies()))

    def audit_text(self):
        path = os.path.join(self.server.data_dir, "audit.log")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def test_authority_endpoint_with_password_rejected(self):
        for field in ("endpoint", "sts_endpoint"):
            password = "%s-password-value" % field.replace("_", "-")
            body = authority_body("userinfo-" + field.replace("_", "-"),
                                  "s3://userinfo-bucket/%s/" % field)
            body[field] = "https://minio:%s@minio.example.test/" % password
            r = self.server.request("POST", BASE + "/storage-authorities", body)
            self.assert_rejected(r, 400, field, "user name or password")
            self.assertNotIn(password, r.body)
            self.assertNotIn(password, self.server.log_text())
            self.assertNotIn(password, self.audit_text())
            self.assertFalse(any(password in b for b in self.record_bodies()))
        self.assert_healthy()

    def test_authority_metadata_endpoint_rejected(self):
        spellings = ["http://169.254.169.254/", "http://2852039166/", "http://0xa9fea9fe/",
                     "http://0251.0376.0251.0376/", "http://169.254.43518/",
                     "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/",
                     "http://[fe80::1]:8080/"]
        for field in ("sts_endpoint", "endpoint"):
            for number, url in enumerate(spellings):
                body = authority_body("metadata-%s-%d" % (field.replace("_", "-"), number),
                                      "s3://metadata-bucket/%s/%d/" % (field, number))
                body[field] = url
                r = self.server.request("POST", BASE + "/storage-authorities", body)
                self.assert_rejected(r, 400, field, "link-local or cloud metadata")
        r = self.server.request("POST", BASE + "/storage-authorities",
                                authority_body("metadata-ok", "s3://metadata-bucket/ok/"))
        self.assertEqual(r.status, 201, r)
        patch = {"sts_endpoint": "http://169.254.169.254/"}
        r = self.server.request("PATCH", BASE + "/storage-authorities/" + r.json()["id"], patch)
        self.assert_rejected(r, 400, "sts_endpoint", "link-local or cloud metadata")
        self.assert_healthy()

    def test_passphrase_in_credential_maps_is_masked(self):
        credentials = {"type": "bearer", "token": "tok-pass",
                       "headers": {"X-Passphrase": "header-pass-value"},
                       "properties": {"db.passwd": "property-passwd-value"}}
        body = connector_body("pass-maps")
        body["auth"]["credentials"] = credentials
        created = self.server.request("POST", BASE + "/connectors", body)
        self.assertEqual(created.status, 201, created)
        fetched = self.server.request("GET", BASE + "/connectors/pass-maps")
        listed = self.server.request("GET", BASE + "/connectors")
        for response in (created, fetched, listed):
            self.assertNotIn("header-pass-value", response.body)
            self.assertNotIn("property-passwd-value", response.body)
        masked = fetched.json()["auth"]["credentials"]
        self.assertEqual(masked["headers"]["X-Passphrase"], "****")
        self.assertEqual(masked["properties"]["db.passwd"], "****")

    def test_uri_with_password_rejected(self):
        body = connector_body("userinfo", uri="https://admin:uri-password-value@example.test/")
        r = self.server.request("POST", BASE + "/connectors", body)
        self.assert_rejected(r, 400, "uri", "auth.credentials")
        self.assertNotIn("uri-password-value", r.body)
        self.assertFalse(any("uri-password-value" in b for b in self.record_bodies()))

    def test_uri_with_secret_query_rejected(self):
        body = connector_body("query", uri="https://example.test/api?access_token=uri-tok-value")
        r = self.server.request("POST", BASE + "/connectors", body)
        self.assert_rejected(r, 400, "uri", "access_token")
        self.assertNotIn("uri-tok-value", r.body)

    def test_uri_with_control_character_rejected(self):
        body = connector_body("ctl", uri="https://example.test/a\u0000b")
        r = self.server.request("POST", BASE + "/connectors", body)
        self.assert_rejected(r, 400, "uri", "control")

    def test_concurrent_credential_rotation(self):
        for round_number in range(6):
            name = "rotate-%d" % round_number
            r = self.server.request("POST", BASE + "/connectors", connector_body(name))
            self.assertEqual(r.status, 201, r)
            connector_id = r.json()["id"]
            results = {}

            def rotate(token):
                patch = {"auth": {"credentials": {"type": "bearer", "token": token}}}
                results[token] = self.server.request(
                    "PATCH", BASE + "/connectors/" + connector_id, patch)

            threads = [threading.Thread(target=rotate, args=("tok-%d-%d" % (round_number, i),))
                       for i in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

            committed = {token: int(r.json()["etag"].strip('"'))
                         for token, r in results.items() if r.status == 200}
            for r in results.values():
                self.assertIn(r.status, (200, 409), r)
            last = max(committed, key=committed.get) if committed else "tok-value"
            payload = self.secret_payload("connectors", connector_id)
            self.assertEqual(payload["token"], last, "the secret lost the last committed update")

    def test_concurrent_update_and_delete(self):
        ids = []
        for i in range(12):
            r = self.server.request("POST", BASE + "/connectors", connector_body("race-%d" % i))
            self.assertEqual(r.status, 201, r)
            ids.append(r.json()["id"])

        def rotate(connector_id):
            for n in range(3):
                patch = {"auth": {"credentials": {"type": "bearer", "token": "t-%d" % n}}}
                self.server.request("PATCH", BASE + "/connectors/" + connector_id, patch)

        def delete(connector_id):
            self.server.request("DELETE", BASE + "/connectors/" + connector_id)

        threads = []
        for connector_id in ids:
            threads.append(threading.Thread(target=rotate, args=(connector_id,)))
            threads.append(threading.Thread(target=delete, args=(connector_id,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assert_healthy()
        names = self.secret_names()
        for connector_id in ids:
            self.assertEqual(self.server.request(
                "GET", BASE + "/connectors/" + connector_id).status, 404)
            name = "accounts/%s/connectors/%s" % (ACCOUNT, connector_id)
            self.assertNotIn(name, names, "a deleted connector left its secret behind")

    def test_account_delete_during_creates(self):
        for round_number in range(4):
            account = "acct-gone-%d" % round_number
            base = "/api/v1/accounts/" + account
            r = self.server.request("POST", "/api/v1/accounts",
                                    {"id": account, "display_name": "Old %d" % round_number})
            self.assertEqual(r.status, 201, r)
            first = self.server.request("POST", base + "/connectors", connector_body("first"))
            self.assertEqual(first.status, 201, first)
            stop = threading.Event()

            def create(worker):
                n = 0
                while not stop.is_set():
                    n += 1
                    self.server.request("POST", base + "/connectors",
                                        connector_body("c-%d-%d" % (worker, n)))

            threads = [threading.Thread(target=create, args=(w,)) for w in range(4)]
            for thread in threads:
                thread.start()
            deleted = self.server.request("DELETE", "/api/v1/accounts/" + account)
            stop.set()
            for thread in threads:
                thread.join()
            self.assertEqual(deleted.status, 204, deleted)

            r = self.server.request("POST", "/api/v1/accounts",
                                    {"id": account, "display_name": "New %d" % round_number})
            self.assertEqual(r.status, 201, r)
            listed = self.server.request("GET", base + "/connectors")
            self.assertEqual(listed.json()["connectors"], [],
                             "the new account inherited connectors of the deleted one")
            names = run_cli(["secrets", "list", "--account", account, "--output", "json"],
                            data_dir=self.server.data_dir).stdout
            self.assertEqual(json.loads(names), [], "secrets of the deleted account remain")

    def test_concurrent_same_prefix(self):
        for round_number in range(5):
            prefix = "s3://race-bucket/round-%d/" % round_number
            results = []

            def create(i):
                body = authority_body("prefix-%d-%d" % (round_number, i), prefix)
                results.append(self.server.request("POST", BASE + "/storage-authorities", body))

            threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            created = [r for r in results if r.status == 201]
            self.assertEqual(len(created), 1, results)
            for r in results:
                self.assertIn(r.status, (201, 409), r)


class LostKeyTest(unittest.TestCase):

    def test_missing_key_is_not_replaced(self):
        server = FloecatServer()
        self.addCleanup(server.cleanup)
        server.start()
        r = server.request("POST", "/api/v1/accounts", {"id": ACCOUNT, "display_name": "Key"})
        self.assertEqual(r.status, 201, r)
        r = server.request("POST", BASE + "/connectors", connector_body("sealed"))
        self.assertEqual(r.status, 201, r)
        server.stop()

        key_path = os.path.join(server.data_dir, "secrets.key")
        os.remove(key_path)
        server.start(wait=False)
        self.assertNotEqual(server.wait_exit(), 0)
        self.assertFalse(os.path.exists(key_path), "a new master key was written")
        log = server.log_text()
        self.assertIn("is missing", log)
        self.assertIn("restore the key file", log)


if __name__ == "__main__":
    unittest.main()
