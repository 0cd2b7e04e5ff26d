"""Sends bad input to every write route. Each request gets the documented
status and a message naming the field and the rule, and neither store
changes."""

import json
import os
import sqlite3
import unittest

from floecat_fixtures import FloecatServer, run_cli

ACCOUNT = "acct-bad"
BASE = "/api/v1/accounts/" + ACCOUNT

GOOD_CONNECTOR = {"display_name": "good", "kind": "iceberg",
                  "uri": "https://catalog.example.test/api",
                  "auth": {"scheme": "oauth2",
                           "credentials": {"type": "bearer", "token": "t-123"}}}

GOOD_AUTHORITY = {"display_name": "warehouse", "location_prefix": "s3://bad-bucket/warehouse/",
                  "region": "us-east-1",
                  "credentials": {"type": "aws", "access_key_id": "AKIABADINPUT00000001",
                                  "secret_access_key": "s"}}


def with_changes(base, **changes):
    body = json.loads(json.dumps(base))
    for key, value in changes.items():
        body[key] = value
    return body


def with_credentials(base, credentials):
    body = json.loads(json.dumps(base))
    if "auth" in body:
        body["auth"]["credentials"] = credentials
    else:
        body["credentials"] = credentials
    return body


class BadInputTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = FloecatServer()
        cls.server.start()
        s = cls.server
        assert s.request("POST", "/api/v1/accounts",
                         {"id": ACCOUNT, "display_name": "Bad"}).status == 201
        r = s.request("POST", BASE + "/connectors", GOOD_CONNECTOR)
        assert r.status == 201, r
        cls.connector = r.json()
        r = s.request("POST", BASE + "/storage-authorities", GOOD_AUTHORITY)
        assert r.status == 201, r
        cls.authority = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def snapshot(self):
        path = os.path.join(self.server.data_dir, "records.db")
        with sqlite3.connect(path) as db:
            rows = db.execute("SELECT * FROM records ORDER BY kind, account_id, id").fetchall()
        names = run_cli(["secrets", "list", "--account", ACCOUNT, "--output", "json"],
                        data_dir=self.server.data_dir).stdout
        payload = run_cli(["secrets", "get", "--account", ACCOUNT, "--type", "connectors",
                           "--id", self.connector["id"]], data_dir=self.server.data_dir).stdout
        return rows, json.loads(names), payload

    def check(self, method, path, body=None, raw_body=None, headers=None, status=400,
              mentions=()):
        before = self.snapshot()
        r = self.server.request(method, path, body=body, raw_body=raw_body, headers=headers)
        self.assertEqual(r.status, status, r)
        error = r.json()["error"]
        self.assertIn("code", error)
        for word in mentions:
            self.assertIn(word, error["message"], r)
        self.assertEqual(self.snapshot(), before, "a rejected request changed the stores")
        self.assertEqual(self.server.request("GET", "/healthz").status, 200)

    def test_malformed_json(self):
        self.check("POST", BASE + "/connectors", raw_body="{\"display_name\": ",
                   headers={"Content-Type": "application/json"}, mentions=["JSON"])

    def test_body_not_an_object(self):
        self.check("POST", BASE + "/connectors", body=[1, 2], mentions=["object"])

    def test_wrong_types(self):
        self.check("POST", BASE + "/connectors", body=with_changes(GOOD_CONNECTOR, display_name=7),
                   mentions=["display_name", "string"])
        self.check("POST", BASE + "/storage-authorities",
                   body=with_changes(GOOD_AUTHORITY, path_style_access="yes"),
                   mentions=["path_style_access"])
        self.check("POST", BASE + "/storage-authorities",
                   body=with_changes(GOOD_AUTHORITY, duration_seconds="3600"),
                   mentions=["duration_seconds"])

    def test_unknown_credential_type(self):
        self.check("POST", BASE + "/connectors",
                   body=with_credentials(GOOD_CONNECTOR, {"type": "magic", "token": "x"}),
                   mentions=["type", "bearer"])

    def test_missing_required_credential_fields(self):
        self.check("POST", BASE + "/connectors",
                   body=with_credentials(GOOD_CONNECTOR,
                                         {"type": "aws", "access_key_id": "AKIAONLY"}),
                   mentions=["secret_access_key", "required"])
        self.check("POST", BASE + "/connectors",
                   body=with_credentials(GOOD_CONNECTOR, {"type": "bearer"}),
                   mentions=["token", "required"])

    def test_blank_ids(self):
        self.check("POST", "/api/v1/accounts", body={"id": "  ", "display_name": "x"},
                   mentions=["id"])
        self.check("GET", BASE + "/connectors/%20", status=400, mentions=["id"])

    def test_ids_with_slash(self):
        self.check("POST", "/api/v1/accounts", body={"id": "a/b", "display_name": "x"},
                   mentions=["id", "/"])
        self.check("GET", BASE + "/connectors/a%2Fb", status=400, mentions=["/"])
        self.check("DELETE", "/api/v1/accounts/a%2F..", status=400, mentions=["/"])

    def test_payload_over_secret_limit(self):
        big = {"type": "bearer", "token": "x" * 65537}
        self.check("POST", BASE + "/connectors", body=with_credentials(GOOD_CONNECTOR, big),
                   mentions=["65536"])

    def test_body_over_size_limit(self):
        self.check("POST", BASE + "/connectors",
                   raw_body=b"{\"display_name\": \"" + b"x" * (2 * 1024 * 1024) + b"\"}",
                   headers={"Content-Type": "application/json"}, status=413)

    def test_prefix_without_bucket(self):
        self.check("POST", BASE + "/storage-authorities",
                   body=with_changes(GOOD_AUTHORITY, display_name="nb",
                                     location_prefix="s3:///warehouse/"),
                   mentions=["location_prefix", "bucket"])

    def test_dot_dot_segments(self):
        self.check("POST", BASE + "/storage-authorities",
                   body=with_changes(GOOD_AUTHORITY, display_name="dd",
                                     location_prefix="s3://bad-bucket/a/../b/"),
                   mentions=["location_prefix", ".."])
        self.check("POST", BASE + "/storage-authorities:resolve",
                   body={"location": "s3://bad-bucket/warehouse/../secret/t"},
                   mentions=["location", ".."])

    def test_secret_looking_property(self):
        self.check("POST", BASE + "/connectors",
                   body=with_changes(GOOD_CONNECTOR, display_name="p",
                                     properties={"s3.secret-access-key": "x"}),
                   mentions=["s3.secret-access-key", "credentials"])

    def test_duplicate_display_name(self):
        self.check("POST", BASE + "/connectors", body=GOOD_CONNECTOR, status=409,
                   mentions=["good"])
        self.check("POST", BASE + "/storage-authorities",
                   body=with_changes(GOOD_AUTHORITY, location_prefix="s3://other/"), status=409,
                   mentions=["warehouse"])

    def test_stale_etag(self):
        path = BASE + "/connectors/" + self.connector["id"]
        self.check("PATCH", path,
                   body={"description": "x",
                         "auth": {"credentials": {"type": "bearer", "token": "new"}}},
                   headers={"If-Match": "\"999\""}, status=409, mentions=["etag"])
        self.check("PATCH", BASE + "/storage-authorities/" + self.authority["id"],
                   body={"region": "eu-west-1"}, headers={"If-Match": "\"999\""}, status=409,
                   mentions=["etag"])


if __name__ == "__main__":
    unittest.main()
