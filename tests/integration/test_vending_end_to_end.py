"""End to end against moto_server (IAM, STS and S3): register an Iceberg
table from its metadata file, load it with vended credentials, read the
metadata with those credentials through the AWS CLI, and check the session
policy floecat sent to STS, the cache and the error paths."""

import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import unittest

from awsfixtures import MOTO_REGION, loopback_env
from floecat_fixtures import run_cli
from vending_fixtures import BUCKET, VendingEnvironment, put_table_metadata

CREDENTIAL_KEYS = ("s3.access-key-id", "s3.secret-access-key", "s3.session-token",
                   "s3.session-token-expires-at-ms")
DELEGATION = {"X-Iceberg-Access-Delegation": "vended-credentials"}


class VendingEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = VendingEnvironment().start()
        cls.env.create_namespace(["sales"])
        cls.env.create_namespace(["sales", "emea"])
        cls.location, cls.metadata_location, cls.metadata = put_table_metadata(
            cls.env.moto, cls.env.keys, "warehouse/sales/emea/orders")
        registered = cls.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "orders", "metadata-location": cls.metadata_location})
        if registered.status != 200:
            cls.env.stop()
            raise AssertionError("register failed: %r\n%s" % (registered,
                                                              cls.env.server.log_text()))
        cls.registered = registered.json()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def load(self, headers=None, table="orders"):
        return self.env.server.request(
            "GET", "/iceberg/v1/acme/namespaces/sales%1Femea/tables/" + table, headers=headers)

    def test_register_keeps_metadata(self):
        self.assertEqual(self.registered["metadata-location"], self.metadata_location)
        self.assertEqual(self.registered["metadata"]["table-uuid"], self.metadata["table-uuid"])
        self.assertEqual(self.registered["metadata"]["location"], self.location)
        self.assertNotIn("storage-credentials", self.registered)

    def test_vended_credentials_read_metadata_with_aws_cli(self):
        response = self.load(DELEGATION)
        self.assertEqual(response.status, 200, response)
        body = response.json()
        credentials = body["storage-credentials"]
        self.assertEqual(len(credentials), 1)
        credential = credentials[0]
        self.assertEqual(credential["prefix"], self.location + "/")
        for key in CREDENTIAL_KEYS:
            self.assertTrue(credential["config"].get(key), key)
            self.assertEqual(body["config"][key], credential["config"][key])
        self.assertNotEqual(credential["config"]["s3.access-key-id"],
                            self.env.keys["access_key_id"])
        self.assertEqual(credential["config"]["client.region"], "us-east-1")
        self.assertEqual(credential["config"]["s3.endpoint"], self.env.proxy.url)
        self.assertEqual(credential["config"]["s3.path-style-access"], "true")
        self.assertEqual(body["config"]["client.refresh-credentials-endpoint"],
                         "v1/acme/namespaces/sales%1Femea/tables/orders/credentials")

        key = self.metadata_location[len("s3://%s/" % BUCKET):]
        result = self._aws_get(credential["config"], key)
        self.assertEqual(json.loads(result)["table-uuid"], self.metadata["table-uuid"])

    def _aws_get(self, config, key):
        """Reads one object through the AWS CLI with vended credentials."""
        env = loopback_env({
            "AWS_ACCESS_KEY_ID": config["s3.access-key-id"],
            "AWS_SECRET_ACCESS_KEY": config["s3.secret-access-key"],
            "AWS_SESSION_TOKEN": config["s3.session-token"],
            "AWS_DEFAULT_REGION": MOTO_REGION,
        })
        with tempfile.TemporaryDirectory() as directory:
            target = os.path.join(directory, "metadata.json")
            command = [sys.executable, "-m", "awscli", "--endpoint-url", self.env.moto.url,
                       "s3api", "get-object", "--bucket", BUCKET, "--key", key, target]
            done = subprocess.run(command, capture_output=True, env=env, timeout=120)
            self.assertEqual(done.returncode, 0, done.stderr.decode(errors="replace"))
            with open(target, "rb") as f:
                return f.read().decode()

    def test_session_policy_allows_exactly_the_table_location(self):
        self.env.proxy.reset()
        # A location of its own, so this test sees a fresh AssumeRole.
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/sales/emea/returns")
        registered = self.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "returns", "metadata-location": metadata_location})
        self.assertEqual(registered.status, 200, registered)
        self.env.proxy.reset()
        self.assertEqual(self.load(DELEGATION, table="returns").status, 200)
        calls = self.env.proxy.assume_role_calls()
        self.assertEqual(len(calls), 1)
        call = calls[0]
        self.assertEqual(call["RoleArn"], self.env.keys["role_arn"])
        self.assertEqual(call["RoleSessionName"], "floecat-acme")
        self.assertEqual(call["DurationSeconds"], "3600")
        policy = json.loads(call["Policy"])
        key = location[len("s3://%s/" % BUCKET):]
        self.assertEqual(policy["Version"], "2012-10-17")
        resources = set()
        for statement in policy["Statement"]:
            self.assertEqual(statement["Effect"], "Allow")
            resource = statement["Resource"]
            resources.add(resource)
            actions = statement["Action"] if isinstance(statement["Action"], list) \
                else [statement["Action"]]
            if "s3:GetObject" in actions:
                self.assertEqual(sorted(actions), ["s3:GetObject", "s3:GetObjectVersion"])
                self.assertEqual(resource, "arn:aws:s3:::%s/%s/*" % (BUCKET, key))
            elif actions == ["s3:ListBucket"]:
                self.assertEqual(resource, "arn:aws:s3:::%s" % BUCKET)
                self.assertEqual(statement["Condition"],
                                 {"StringLike": {"s3:prefix": key + "/*"}})
            else:
                self.assertEqual(actions, ["s3:GetBucketLocation"])
                self.assertEqual(resource, "arn:aws:s3:::%s" % BUCKET)
            self.assertNotIn("NotResource", statement)
            self.assertNotIn("NotAction", statement)
        self.assertEqual(resources, {"arn:aws:s3:::%s/%s/*" % (BUCKET, key),
                                     "arn:aws:s3:::%s" % BUCKET})

    def test_write_access_when_asked(self):
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/sales/emea/writes")
        self.assertEqual(self.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "writes", "metadata-location": metadata_location}).status, 200)
        path = "/iceberg/v1/acme/namespaces/sales%1Femea/tables/writes"
        self.env.proxy.reset()
        response = self.env.server.request("GET", path + "?access=write", headers=DELEGATION)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.json()["config"]["client.refresh-credentials-endpoint"],
                         "v1/acme/namespaces/sales%1Femea/tables/writes/credentials?access=write")
        calls = self.env.proxy.assume_role_calls()
        self.assertEqual(len(calls), 1)
        key = location[len("s3://%s/" % BUCKET):]
        object_statements = [statement for statement in json.loads(calls[0]["Policy"])["Statement"]
                             if statement["Resource"] == "arn:aws:s3:::%s/%s/*" % (BUCKET, key)]
        self.assertEqual(len(object_statements), 1)
        self.assertEqual(sorted(object_statements[0]["Action"]),
                         ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                          "s3:GetObjectVersion", "s3:ListMultipartUploadParts", "s3:PutObject"])

        # The refresh route with the same access reuses the cached session;
        # read access is a different policy and so a second session.
        refreshed = self.env.server.request("GET", path + "/credentials?access=write")
        self.assertEqual(refreshed.status, 200, refreshed)
        self.assertEqual(len(self.env.proxy.assume_role_calls()), 1)
        self.assertEqual(self.load(DELEGATION, table="writes").status, 200)
        self.assertEqual(len(self.env.proxy.assume_role_calls()), 2)

        for suffix in ("?access=admin", "/credentials?access=READ"):
            rejected = self.env.server.request("GET", path + suffix, headers=DELEGATION)
            self.assertEqual(rejected.status, 400, rejected)
            self.assertIn("access: must be 'read' or 'write'",
                          rejected.json()["error"]["message"])

    def test_thousand_loads_make_one_assume_role(self):
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/sales/emea/hot")
        self.assertEqual(self.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "hot", "metadata-location": metadata_location}).status, 200)
        self.env.proxy.reset()
        reads_before = self.authority_secret_reads()
        keys = set()
        for _ in range(1000):
            response = self.load(DELEGATION, table="hot")
            self.assertEqual(response.status, 200)
            keys.add(response.json()["storage-credentials"][0]["config"]["s3.access-key-id"])
        self.assertEqual(len(self.env.proxy.assume_role_calls()), 1)
        self.assertEqual(len(keys), 1)
        # The source keys are read for the one miss only, not on every hit.
        self.assertEqual(self.authority_secret_reads() - reads_before, 1)

    def authority_secret_reads(self):
        """Counts the audit log's reads of the authority's source credentials."""
        name = "accounts/acme/storage-authorities/" + self.env.authority["id"]
        with open(os.path.join(self.env.server.data_dir, "audit.log"), encoding="utf-8") as f:
            events = [json.loads(line) for line in f if line.strip()]
        return sum(1 for event in events
                   if event["action"] == "secret.get" and event["secret_name"] == name)

    def test_concurrent_cold_loads_make_one_assume_role(self):
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/sales/emea/cold")
        self.assertEqual(self.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "cold", "metadata-location": metadata_location}).status, 200)
        self.env.proxy.reset()
        with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
            responses = list(pool.map(lambda _: self.load(DELEGATION, table="cold"), range(64)))
        for response in responses:
            self.assertEqual(response.status, 200, response)
            credential = response.json()["storage-credentials"][0]
            for key in CREDENTIAL_KEYS:
                self.assertTrue(credential["config"].get(key), key)
        self.assertEqual(len(self.env.proxy.assume_role_calls()), 1)

    def test_credentials_route_refreshes_without_plan_id(self):
        response = self.env.server.request(
            "GET", "/iceberg/v1/acme/namespaces/sales%1Femea/tables/orders/credentials")
        self.assertEqual(response.status, 200, response)
        credentials = response.json()["storage-credentials"]
        self.assertEqual(len(credentials), 1)
        for key in CREDENTIAL_KEYS:
            self.assertTrue(credentials[0]["config"].get(key), key)

    def test_plain_load_has_no_credentials(self):
        response = self.load()
        self.assertEqual(response.status, 200, response)
        body = response.json()
        self.assertNotIn("storage-credentials", body)
        for key in CREDENTIAL_KEYS:
            self.assertNotIn(key, body["config"])

    def test_uncovered_location_is_a_clear_error_and_plain_load_works(self):
        # The authority covers s3://lake/warehouse; this table lives beside it.
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/sales/emea/orphan")
        self.assertEqual(self.env.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "orphan", "metadata-location": metadata_location}).status, 200)
        # Point the authority elsewhere so nothing covers the table any more.
        self.set_authority_prefix("s3://%s/warehouse/sales/emea/orders" % BUCKET)
        try:
            vended = self.load(DELEGATION, table="orphan")
            self.assertEqual(vended.status, 400, vended)
            error = vended.json()["error"]
            self.assertEqual(error["code"], 400)
            self.assertEqual(error["type"], "BadRequestException")
            self.assertIn("no enabled storage authority", error["message"])
            self.assertIn(location, error["message"])
            self.assertNotIn("storage-credentials", vended.body)
            plain = self.load(table="orphan")
            self.assertEqual(plain.status, 200, plain)
            self.assertNotIn("storage-credentials", plain.json())
        finally:
            self.set_authority_prefix("s3://%s/warehouse" % BUCKET)

    def set_authority_prefix(self, prefix):
        """Moves the authority's location_prefix with a merge patch."""
        path = "/api/v1/accounts/acme/storage-authorities/" + self.env.authority["id"]
        current = self.env.server.request("GET", path)
        patched = self.env.server.request(
            "PATCH", path, {"location_prefix": prefix},
            headers={"If-Match": current.headers["ETag"],
                     "Content-Type": "application/merge-patch+json"})
        self.assertEqual(patched.status, 200, patched)

    def test_resolve_mints_with_include_credentials(self):
        response = self.env.server.request(
            "POST", "/api/v1/accounts/acme/storage-authorities:resolve",
            {"location": self.location, "include_credentials": True, "access": "write"})
        self.assertEqual(response.status, 200, response)
        entries = response.json()["storage_credentials"]
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["prefix"], self.location + "/")
        self.assertGreater(entries[0]["expires_at_ms"], 0)
        for key in CREDENTIAL_KEYS + ("client.region",):
            self.assertTrue(entries[0]["config"].get(key), key)

    def test_cli_vend_and_table_load(self):
        vended = run_cli(["vend", "--account", "acme", self.location, "--output", "json"],
                         server=self.env.server)
        body = json.loads(vended.stdout)
        self.assertEqual(len(body["storage_credentials"]), 1)
        self.assertTrue(body["storage_credentials"][0]["config"]["s3.session-token"])
        loaded = run_cli(["table", "load", "--account", "acme", "--namespace", "sales.emea",
                          "--name", "orders", "--vend", "--output", "json"],
                         server=self.env.server)
        table = json.loads(loaded.stdout)
        self.assertEqual(table["metadata-location"], self.metadata_location)
        self.assertTrue(table["storage-credentials"][0]["config"]["s3.access-key-id"])

    def test_cli_register(self):
        location, metadata_location, metadata = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/crm/accounts")
        registered = run_cli(["table", "register", "--account", "acme", "--namespace", "crm",
                              "--name", "accounts", "--metadata-location", metadata_location,
                              "--create-namespace", "--output", "json"],
                             server=self.env.server)
        self.assertEqual(json.loads(registered.stdout)["metadata"]["table-uuid"],
                         metadata["table-uuid"])
        missing = run_cli(["table", "load", "--account", "acme", "--namespace", "crm",
                           "--name", "nope"], server=self.env.server, check=False)
        self.assertEqual(missing.returncode, 4)
        self.assertIn(b"NoSuchTableException", missing.stderr)

    def test_secrets_never_in_server_log(self):
        response = self.load(DELEGATION)
        self.assertEqual(response.status, 200)
        config = response.json()["storage-credentials"][0]["config"]
        log = self.env.server.log_text()
        self.assertNotIn(config["s3.secret-access-key"], log)
        self.assertNotIn(config["s3.session-token"], log)
        self.assertNotIn(self.env.keys["secret_access_key"], log)


if __name__ == "__main__":
    unittest.main()
