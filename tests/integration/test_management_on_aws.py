"""Runs the management API suites (bad input, leaks, crash consistency)
with floecat.secrets.backend=aws against moto_server, as they run on the
local store. Configuration reaches the server and the CLI through FLOECAT_*
environment variables."""

import json
import os
import urllib.request
import unittest

import awsfixtures
from floecat_fixtures import FloecatServer
import test_bad_input as bad_input
import test_crash_consistency as crash
import test_leaks as leaks

MOTO = None
_SAVED_ENV = {}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def setUpModule():
    global MOTO
    MOTO = awsfixtures.MotoServer().start()
    settings = {
        "FLOECAT_SECRETS_BACKEND": "aws",
        "FLOECAT_SECRETS_AWS_ENDPOINT": MOTO.url,
        "FLOECAT_SECRETS_AWS_REGION": awsfixtures.MOTO_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for key, value in settings.items():
        _SAVED_ENV[key] = os.environ.get(key)
        os.environ[key] = value


def tearDownModule():
    for key, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    MOTO.stop()


def reset_moto():
    """Empties every emulated service, so each test starts with no secrets."""
    request = urllib.request.Request(MOTO.url + "/moto-api/reset", method="POST", data=b"")
    with _OPENER.open(request, timeout=30) as response:
        assert response.status == 200


class BadInputOnAwsTest(bad_input.BadInputTest):

    @classmethod
    def setUpClass(cls):
        reset_moto()
        super().setUpClass()


class LeakOnAwsTest(leaks.LeakTest):

    def setUp(self):
        reset_moto()
        super().setUp()


class CrashConsistencyOnAwsTest(crash.CrashConsistencyTest):

    def setUp(self):
        reset_moto()
        super().setUp()


class AuditRequestIdOnAwsTest(unittest.TestCase):
    """The audit lines of secret operations carry the Secrets Manager
    request ids of the calls each operation made."""

    def test_secret_operations_carry_request_ids(self):
        reset_moto()
        server = FloecatServer()
        self.addCleanup(server.cleanup)
        server.start()
        self.assertEqual(server.request("POST", "/api/v1/accounts",
                                        {"id": "audited", "display_name": "Audited"}).status, 201)
        created = server.request("POST", "/api/v1/accounts/audited/connectors", {
            "display_name": "glue", "kind": "glue", "uri": "https://glue.example.test",
            "auth": {"scheme": "aws-sigv4",
                     "credentials": {"type": "aws", "access_key_id": "AKIDEXAMPLE",
                                     "secret_access_key": "audited-secret-value"}}})
        self.assertEqual(created.status, 201, created)
        path = "/api/v1/accounts/audited/connectors/" + created.json()["id"]
        self.assertEqual(server.request("DELETE", path).status, 204)

        with open(os.path.join(server.data_dir, "audit.log"), encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        operations = [line for line in lines if line["action"] in ("secret.put", "secret.remove")]
        self.assertEqual([line["action"] for line in operations], ["secret.put", "secret.remove"])
        for line in operations:
            self.assertTrue(line["aws_request_id"], line)
            for request_id in line["aws_request_id"].split(","):
                self.assertRegex(request_id, r"^[A-Za-z0-9-]{8,}$")


if __name__ == "__main__":
    unittest.main()
