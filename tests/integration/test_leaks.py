"""Plants a unique canary in every sensitive field of every credential type,
then looks for it in every byte the server leaves behind: the records
database and its WAL, every log line at trace level, and every API response.
Reading each secret back through the store returns it byte for byte."""

import json
import os
import secrets
import unittest

from floecat_fixtures import FloecatServer, read_all_bytes, run_cli

ACCOUNT = "acct-leak"

# type -> (non-sensitive fields, sensitive fields) for connector credentials.
CONNECTOR_TYPES = {
    "bearer": ({}, ["token"]),
    "client": ({"endpoint": "https://idp.example.test/token"}, ["client_id", "client_secret"]),
    "cli": ({"provider": "aws", "profile_name": "analytics"}, []),
    "aws": ({}, ["access_key_id", "secret_access_key", "session_token"]),
    "aws-web-identity": ({"role_arn": "arn:aws:iam::123456789012:role/reader"}, []),
    "aws-assume-role": ({"role_arn": "arn:aws:iam::123456789012:role/reader"}, ["external_id"]),
    "token-exchange": ({"endpoint": "https://sts.example.test/token", "audience": "lake"},
                       ["client_id", "client_secret"]),
    "token-exchange-entra": ({"endpoint": "https://login.example.test/token"},
                             ["client_id", "client_secret"]),
    "token-exchange-gcp": ({"service_account_email": "svc@example.iam.gserviceaccount.com"},
                           ["client_id", "client_secret", "service_account_private_key_pem",
                            "service_account_private_key_id"]),
}

# Sensitive map entries carried by every credential object.
SENSITIVE_PROPERTIES = ["aws.web_identity_token", "api_key", "refresh_token"]
SENSITIVE_HEADERS = ["Authorization", "X-Api-Key"]

AUTHORITY_TYPES = {
    "aws": ({}, ["access_key_id", "secret_access_key", "session_token"]),
    "aws-assume-role": ({"role_arn": "arn:aws:iam::123456789012:role/source"}, ["external_id"]),
    "aws-web-identity": ({"role_arn": "arn:aws:iam::123456789012:role/source"}, []),
}


def canary():
    return "CANARY" + secrets.token_hex(12)


class LeakTest(unittest.TestCase):

    def setUp(self):
        self.server = FloecatServer(log_level="trace")
        self.server.start()
        self.canaries = []
        self.response_canaries = []
        self.responses = []

    def tearDown(self):
        self.server.cleanup()

    def call(self, method, path, body=None, headers=None):
        response = self.server.request(method, path, body, headers)
        self.responses.append(response.body)
        return response

    def credentials(self, credential_type, plain, sensitive):
        creds = {"type": credential_type}
        creds.update(plain)
        for field in sensitive:
            creds[field] = canary()
            self.canaries.append(creds[field])
        creds["properties"] = {}
        creds["headers"] = {}
        for key in SENSITIVE_PROPERTIES:
            creds["properties"][key] = canary()
            self.canaries.append(creds["properties"][key])
        for key in SENSITIVE_HEADERS:
            creds["headers"][key] = canary()
            self.canaries.append(creds["headers"][key])
        return creds

    def test_canaries_stay_in_the_secrets_store(self):
        self.assertEqual(self.call("POST", "/api/v1/accounts",
                                   {"id": ACCOUNT, "display_name": "Leak"}).status, 201)
        written = {}  # secret name -> credentials object written
        base = "/api/v1/accounts/%s" % ACCOUNT
        for credential_type, (plain, sensitive) in CONNECTOR_TYPES.items():
            creds = self.credentials(credential_type, plain, sensitive)
            r = self.call("POST", base + "/connectors", {
                "display_name": "c-" + credential_type, "kind": "iceberg",
                "uri": "https://catalog.example.test/api",
                "auth": {"scheme": "oauth2", "credentials": creds}})
            self.assertEqual(r.status, 201, r)
            connector = r.json()
            # Rotate, so that an update path is covered too.
            rotated = self.credentials(credential_type, plain, sensitive)
            r = self.call("PATCH", base + "/connectors/" + connector["id"],
                          {"auth": {"credentials": rotated}},
                          {"If-Match": connector["etag"]})
            self.assertEqual(r.status, 200, r)
            self.call("GET", base + "/connectors/" + connector["id"])
            written[("connectors", connector["id"])] = rotated
        for credential_type, (plain, sensitive) in AUTHORITY_TYPES.items():
            creds = self.credentials(credential_type, plain, sensitive)
            # The external id is an authority field kept in the record (AWS does
            # not treat it as a secret), so it is checked in responses and logs.
            external_id = canary()
            self.response_canaries.append(external_id)
            r = self.call("POST", base + "/storage-authorities", {
                "display_name": "a-" + credential_type,
                "location_prefix": "s3://leak-bucket/%s/" % credential_type,
                "region": "us-east-1", "assume_role_external_id": external_id,
                "credentials": creds})
            self.assertEqual(r.status, 201, r)
            authority = r.json()
            self.call("GET", base + "/storage-authorities/" + authority["id"])
            self.call("POST", base + "/storage-authorities:resolve",
                      {"location": "s3://leak-bucket/%s/t1" % credential_type})
            written[("storage-authorities", authority["id"])] = creds
        self.call("GET", base + "/connectors")
        self.call("GET", base + "/storage-authorities")
        data_dir = self.server.data_dir
        # The WAL is checkpointed and removed on a clean stop: read it live too.
        live_wal = read_all_bytes([os.path.join(data_dir, name) for name in
                                   ("records.db-wal", "secrets.db-wal")])
        self.server.stop()

        stored = live_wal + read_all_bytes([os.path.join(data_dir, name) for name in
                                            ("records.db", "records.db-wal", "records.db-shm")])
        secrets_db = read_all_bytes([os.path.join(data_dir, name) for name in
                                     ("secrets.db", "secrets.db-wal", "secrets.db-shm")])
        logs = self.server.log_text().encode()
        self.assertGreater(len(stored), 0)
        # The server runs at trace, the most verbose level; per-request lines
        # are written at debug, so their presence shows verbose logging is on.
        self.assertIn(b" debug ", logs, "the server wrote no verbose log line to check")
        for value in self.canaries:
            token = value.encode()
            self.assertNotIn(token, stored, "canary found in the records database")
            self.assertNotIn(token, secrets_db, "canary found unencrypted in secrets.db")
        for value in self.canaries + self.response_canaries:
            self.assertNotIn(value.encode(), logs, "canary found in the server log")
            for body in self.responses:
                self.assertNotIn(value, body, "canary found in a response")

        for (secret_type, secret_id), creds in written.items():
            result = run_cli(["secrets", "get", "--account", ACCOUNT, "--type", secret_type,
                              "--id", secret_id], data_dir=data_dir)
            payload = json.loads(result.stdout)
            for key, value in creds.items():
                self.assertEqual(payload.get(key), value,
                                 "field %s of %s/%s did not round-trip" %
                                 (key, secret_type, secret_id))


if __name__ == "__main__":
    unittest.main()
