"""floecat and the AWS CLI share secrets in moto_server (authenticated mode):
each reads, updates and deletes what the other wrote."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import awsfixtures

PAYLOADS = {
    "every-byte": bytes(range(256)),
    "one-byte": b"\x00",
    "max-size": bytes((i * 7 + 3) % 256 for i in range(65536)),
}


class AwsInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = awsfixtures.MotoServer().start()
        cls.keys = cls.moto.enable_auth()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="floecat-interop-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def floecat(self, args, input_bytes=None, keys=None):
        return awsfixtures.floecat_secrets(args, keys or self.keys, self.moto.url, self.data_dir,
                                           input_bytes=input_bytes)

    def aws(self, args, check=True):
        return awsfixtures.run_aws_cli(self.moto, self.keys, args, check=check)

    def aws_read(self, name):
        """get-secret-value piped through `base64 --decode`, as the quick start does."""
        value = self.aws(["secretsmanager", "get-secret-value", "--secret-id", name,
                          "--query", "SecretBinary", "--output", "text"])
        decoded = subprocess.run(["base64", "--decode"], input=value.stdout,
                                 capture_output=True, check=True)
        return decoded.stdout

    def aws_create(self, name, account, payload):
        path = os.path.join(self.data_dir, "payload.bin")
        with open(path, "wb") as f:
            f.write(payload)
        self.aws(["secretsmanager", "create-secret", "--name", name,
                  "--secret-binary", "fileb://" + path,
                  "--tags", "Key=AccountId,Value=" + account])

    def test_floecat_reads_what_aws_cli_wrote(self):
        for label, payload in PAYLOADS.items():
            with self.subTest(label):
                name = "accounts/interop/connectors/cli-" + label
                self.aws_create(name, "interop", payload)

                read = self.floecat(["get", "--name", name])

                self.assertEqual(read.returncode, 0, read.stderr.decode())
                self.assertEqual(read.stdout, payload)

    def test_aws_cli_reads_what_floecat_wrote(self):
        for label, payload in PAYLOADS.items():
            with self.subTest(label):
                name = "accounts/interop/connectors/floecat-" + label
                written = self.floecat(["put", "--name", name], input_bytes=payload)
                self.assertEqual(written.returncode, 0, written.stderr.decode())

                self.assertEqual(self.aws_read(name), payload)
                tags = json.loads(self.aws(["secretsmanager", "describe-secret", "--secret-id",
                                            name, "--query", "Tags"]).stdout)
                self.assertIn({"Key": "AccountId", "Value": "interop"}, tags)

    def test_floecat_updates_and_deletes_cli_secret(self):
        name = "accounts/interop/connectors/cli-update"
        self.aws_create(name, "interop", b"from the cli")
        self.aws(["secretsmanager", "put-secret-value", "--secret-id", name,
                  "--secret-binary", "fileb://" + os.path.join(self.data_dir, "payload.bin")])

        updated = self.floecat(["update", "--name", name], input_bytes=b"from floecat")
        self.assertEqual(updated.returncode, 0, updated.stderr.decode())
        self.assertEqual(self.aws_read(name), b"from floecat")

        deleted = self.floecat(["delete", "--name", name])
        self.assertEqual(deleted.returncode, 0, deleted.stderr.decode())
        description = json.loads(self.aws(["secretsmanager", "describe-secret",
                                           "--secret-id", name]).stdout)
        self.assertIn("DeletedDate", description)
        absent = self.floecat(["get", "--name", name])
        self.assertEqual(absent.returncode, 4, absent.stderr.decode())

    def test_name_deleted_by_cli_is_reused(self):
        name = "accounts/interop/connectors/cli-deleted"
        self.aws_create(name, "interop", b"old")
        self.aws(["secretsmanager", "delete-secret", "--secret-id", name,
                  "--recovery-window-in-days", "7"])

        written = self.floecat(["put", "--name", name], input_bytes=b"reused")

        self.assertEqual(written.returncode, 0, written.stderr.decode())
        self.assertEqual(self.aws_read(name), b"reused")
        description = json.loads(self.aws(["secretsmanager", "describe-secret",
                                           "--secret-id", name]).stdout)
        self.assertNotIn("DeletedDate", description)

    def test_list_finds_cli_and_floecat_secrets(self):
        self.aws_create("accounts/listing/connectors/from-cli", "listing", b"a")
        self.floecat(["put", "--name", "accounts/listing/connectors/from-floecat"],
                     input_bytes=b"b")
        self.aws_create("accounts/listing-other/connectors/x", "listing-other", b"c")

        listed = self.floecat(["list", "--account", "listing", "--output", "json"])

        self.assertEqual(listed.returncode, 0, listed.stderr.decode())
        self.assertEqual(sorted(json.loads(listed.stdout)),
                         ["accounts/listing/connectors/from-cli",
                          "accounts/listing/connectors/from-floecat"])

    def test_wrong_key_is_rejected(self):
        keys = dict(self.keys, secret_access_key="x" * 40)

        result = self.floecat(["get", "--name", "accounts/interop/connectors/any"], keys=keys)

        self.assertEqual(result.returncode, 1)
        self.assertIn("403", result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
