"""`floecat policy ...` and `floecat secrets check` against moto_server."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import awsfixtures

BINARY = os.environ.get("FLOECAT_BINARY",
                        os.path.join(awsfixtures.SOURCE_DIR, "build", "bin", "floecat"))
PRINCIPAL = "arn:aws:iam::123456789012:user/floecat"
ROLE = "arn:aws:iam::123456789012:role/floecat-secrets"


def floecat(args, env=None):
    return subprocess.run([BINARY] + list(args), capture_output=True, timeout=300,
                          env=awsfixtures.loopback_env(env))


class PolicyCommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Without authentication, so that the IAM calls below only validate.
        cls.moto = awsfixtures.MotoServer().start()
        cls.iam = cls.moto.client("iam")

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def policy(self, kind, *extra):
        result = floecat(["policy", kind, "--role-arn", ROLE, "--principal-arn", PRINCIPAL,
                          "--region", "us-east-1", "--aws-account-id", "123456789012"] +
                         list(extra))
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        return json.loads(result.stdout)

    def test_permissions_policy_is_accepted_by_iam(self):
        document = self.policy("permissions")

        created = self.iam.create_policy(PolicyName="floecat-permissions",
                                         PolicyDocument=json.dumps(document))

        self.assertIn("Arn", created["Policy"])
        statement = document["Statement"][0]
        self.assertEqual(
            statement["Condition"]["StringEquals"]["secretsmanager:ResourceTag/AccountId"],
            "${aws:PrincipalTag/AccountId}")

    def test_base_policy_is_accepted_by_iam(self):
        document = self.policy("base")
        self.iam.create_policy(PolicyName="floecat-base", PolicyDocument=json.dumps(document))
        self.assertEqual(document["Statement"][0]["Resource"], ROLE)

    def test_trust_policy_creates_role(self):
        document = self.policy("trust")

        role = self.iam.create_role(RoleName="floecat-trust-test",
                                    AssumeRolePolicyDocument=json.dumps(document))

        self.assertEqual(role["Role"]["RoleName"], "floecat-trust-test")
        self.assertEqual(document["Statement"][0]["Action"], ["sts:AssumeRole", "sts:TagSession"])

    def test_trust_policy_needs_principal(self):
        result = floecat(["policy", "trust", "--role-arn", ROLE])
        self.assertEqual(result.returncode, 1)
        self.assertIn("principal ARN", result.stderr.decode())


class SecretsCheckCommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = awsfixtures.MotoServer().start()
        cls.keys = cls.moto.enable_auth()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="floecat-check-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def test_direct_mode_check_passes(self):
        result = awsfixtures.floecat_secrets(["check", "--account", "cli-check"], self.keys,
                                             self.moto.url, self.data_dir)

        output = result.stdout.decode()
        self.assertEqual(result.returncode, 0, output + result.stderr.decode())
        for step in ("create probe secret", "put new value", "get and compare",
                     "describe and verify tag", "delete probe secret"):
            self.assertIn("ok      " + step, output)

    def test_role_mode_reports_open_fence(self):
        result = awsfixtures.floecat_secrets(
            ["check", "--account", "cli-a", "--other-account", "cli-b", "--output", "json"],
            self.keys, self.moto.url, self.data_dir,
            overrides={"floecat.secrets.aws.role-arn": self.keys["role_arn"]})

        self.assertEqual(result.returncode, 1, result.stderr.decode())
        report = json.loads(result.stdout)
        fence = [s for s in report["steps"] if s["step"].startswith("ABAC fence")]
        self.assertEqual(len(fence), 1, report)
        self.assertFalse(fence[0]["ok"])
        self.assertIn("did NOT hold", fence[0]["detail"])

    def test_other_account_needs_role_mode(self):
        result = awsfixtures.floecat_secrets(
            ["check", "--account", "cli-a", "--other-account", "cli-b"], self.keys,
            self.moto.url, self.data_dir)
        self.assertEqual(result.returncode, 1)
        self.assertIn("floecat.secrets.aws.role-arn", result.stderr.decode())


if __name__ == "__main__":
    unittest.main()
