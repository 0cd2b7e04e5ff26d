"""Kills the server with SIGKILL between the two writes of every create,
update and delete (through FLOECAT_FAULT_POINT), then checks that no record
refers to a missing secret, and that after the start-up sweep no secret is
left without its record."""

import json
import os
import shutil
import sqlite3
import tempfile
import unittest

from floecat_fixtures import FloecatServer, run_cli

ACCOUNT = "acct-crash"

AWS_CREDENTIALS = {"type": "aws", "access_key_id": "AKIACRASHTEST0000001",
                   "secret_access_key": "crash-secret-value"}


def connector_body(name):
    return {"display_name": name, "kind": "iceberg", "uri": "https://catalog.example.test/api",
            "auth": {"scheme": "oauth2", "credentials": {"type": "bearer", "token": "tok-" + name}}}


def authority_body(name):
    return {"display_name": name, "location_prefix": "s3://crash-bucket/%s/" % name,
            "region": "us-east-1", "credentials": dict(AWS_CREDENTIALS)}


def records(data_dir):
    """Returns (kind, account, id, body) for every record in the database."""
    path = os.path.join(data_dir, "records.db")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT kind, account_id, id, body FROM records").fetchall()
    return [(kind, account, rid, json.loads(body)) for kind, account, rid, body in rows]


def secret_refs(data_dir):
    """Returns the secret names the records refer to."""
    refs = set()
    for _, _, _, body in records(data_dir):
        secret = body.get("secret") or {}
        if secret.get("name"):
            refs.add(secret["name"])
    return refs


def secret_names(data_dir, account):
    result = run_cli(["secrets", "list", "--account", account, "--output", "json"],
                     data_dir=data_dir)
    return set(json.loads(result.stdout))


def secret_exists(data_dir, name):
    result = run_cli(["secrets", "get", "--name", name], data_dir=data_dir, check=False)
    if result.returncode == 0:
        return True
    if result.returncode == 4:
        return False
    raise AssertionError("secrets get failed: %s" % result.stderr)


class CrashConsistencyTest(unittest.TestCase):

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="floecat-crash-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def start(self, fault_point=None):
        env = {"FLOECAT_FAULT_POINT": fault_point} if fault_point else {}
        self.server = FloecatServer(data_dir=self.data_dir, extra_env=env)
        self.server.start()
        return self.server

    def prepare(self, with_connector=False, with_authority=False):
        server = self.start()
        try:
            self.assertEqual(server.request("POST", "/api/v1/accounts",
                                            {"id": ACCOUNT, "display_name": "Crash"}).status, 201)
            if with_connector:
                r = server.request("POST", "/api/v1/accounts/%s/connectors" % ACCOUNT,
                                   connector_body("c-existing"))
                self.assertEqual(r.status, 201, r)
                self.existing_connector = r.json()["id"]
            if with_authority:
                r = server.request("POST", "/api/v1/accounts/%s/storage-authorities" % ACCOUNT,
                                   authority_body("a-existing"))
                self.assertEqual(r.status, 201, r)
                self.existing_authority = r.json()["id"]
        finally:
            server.stop()

    def crash_during(self, fault_point, method, path, body=None):
        server = self.start(fault_point)
        try:
            server.request(method, path, body, timeout=10)
        except OSError:
            pass  # the connection dies with the process
        code = server.wait_exit()
        server.stop()
        self.assertEqual(code, -9, "the server should have died at %s; log:\n%s" %
                         (fault_point, server.log_text()))

    def assert_consistent_after_sweep(self):
        for name in secret_refs(self.data_dir):
            self.assertTrue(secret_exists(self.data_dir, name),
                            "a record refers to the missing secret %s" % name)
        server = self.start()  # the start-up sweep runs here
        try:
            self.assertEqual(server.request("GET", "/readyz").status, 200)
        finally:
            server.stop()
        refs = secret_refs(self.data_dir)
        for name in secret_names(self.data_dir, ACCOUNT):
            self.assertIn(name, refs, "secret %s is left without a record" % name)

    def test_connector_create(self):
        self.prepare()
        self.crash_during("connector.create.after_secret", "POST",
                          "/api/v1/accounts/%s/connectors" % ACCOUNT, connector_body("c-new"))
        self.assert_consistent_after_sweep()
        self.assertEqual(secret_names(self.data_dir, ACCOUNT), set())

    def test_connector_update(self):
        self.prepare(with_connector=True)
        self.crash_during("connector.update.after_secret", "PATCH",
                          "/api/v1/accounts/%s/connectors/%s" % (ACCOUNT, self.existing_connector),
                          {"auth": {"credentials": {"type": "bearer", "token": "rotated"}}})
        self.assert_consistent_after_sweep()
        self.assertEqual(len(secret_names(self.data_dir, ACCOUNT)), 1)

    def test_connector_delete(self):
        self.prepare(with_connector=True)
        self.crash_during("connector.delete.after_record", "DELETE",
                          "/api/v1/accounts/%s/connectors/%s" % (ACCOUNT, self.existing_connector))
        self.assert_consistent_after_sweep()
        self.assertEqual(secret_names(self.data_dir, ACCOUNT), set())

    def test_authority_create(self):
        self.prepare()
        self.crash_during("storage_authority.create.after_secret", "POST",
                          "/api/v1/accounts/%s/storage-authorities" % ACCOUNT,
                          authority_body("a-new"))
        self.assert_consistent_after_sweep()
        self.assertEqual(secret_names(self.data_dir, ACCOUNT), set())

    def test_authority_update(self):
        self.prepare(with_authority=True)
        self.crash_during("storage_authority.update.after_secret", "PATCH",
                          "/api/v1/accounts/%s/storage-authorities/%s" %
                          (ACCOUNT, self.existing_authority),
                          {"credentials": dict(AWS_CREDENTIALS, secret_access_key="rotated")})
        self.assert_consistent_after_sweep()
        self.assertEqual(len(secret_names(self.data_dir, ACCOUNT)), 1)

    def test_authority_delete(self):
        self.prepare(with_authority=True)
        self.crash_during("storage_authority.delete.after_record", "DELETE",
                          "/api/v1/accounts/%s/storage-authorities/%s" %
                          (ACCOUNT, self.existing_authority))
        self.assert_consistent_after_sweep()
        self.assertEqual(secret_names(self.data_dir, ACCOUNT), set())

    def test_account_delete(self):
        self.prepare(with_connector=True, with_authority=True)
        self.crash_during("account.delete.after_records", "DELETE",
                          "/api/v1/accounts/%s" % ACCOUNT)
        self.assert_consistent_after_sweep()
        self.assertEqual(secret_names(self.data_dir, ACCOUNT), set())


if __name__ == "__main__":
    unittest.main()
