"""Helpers for the vending and Iceberg integration tests: a recording proxy
in front of moto_server, an IAM user and role prepared in moto, and a real
Iceberg table metadata file in the emulated bucket.

Everything binds to and connects to 127.0.0.1 only."""

import http.client
import http.server
import json
import threading
import urllib.parse
import urllib.request
import uuid

from awsfixtures import MOTO_ACCOUNT, MotoServer, free_port  # noqa: F401

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

BUCKET = "lake"
ROLE_NAME = "table-reader"


class RecordingProxy:
    """Forwards every request to moto unchanged (Host included, so SigV4
    signatures stay valid) and records the STS Query actions it sees."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = None
        self.lock = threading.Lock()
        self.sts_calls = []  # dicts of the decoded form fields
        self._server = None
        self._thread = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def assume_role_calls(self):
        with self.lock:
            return [call for call in self.sts_calls if call.get("Action") == "AssumeRole"]

    def reset(self):
        with self.lock:
            self.sts_calls.clear()

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if body and content_type.startswith("application/x-www-form-urlencoded"):
                    fields = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
                    if "Action" in fields:
                        with proxy.lock:
                            proxy.sts_calls.append(fields)
                connection = http.client.HTTPConnection("127.0.0.1", proxy.target_port,
                                                        timeout=60)
                headers = {key: value for key, value in self.headers.items()
                           if key.lower() not in ("connection", "keep-alive")}
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.port = free_port()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def prepare_moto(moto):
    """Creates an IAM user that may use S3 and STS, a role that user may
    assume with S3 rights, and the bucket; then switches moto to checking
    signatures and IAM policies. Returns the user's keys and the role ARN."""
    iam = moto.client("iam")
    iam.create_user(UserName="lake-admin")
    iam.put_user_policy(UserName="lake-admin", PolicyName="lake", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:*"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="lake-admin")["AccessKey"]
    user_arn = "arn:aws:iam::%s:user/lake-admin" % MOTO_ACCOUNT
    role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                       "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="lake-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    keys = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
            "role_arn": role["Arn"]}
    s3 = moto.client("s3", keys["access_key_id"], keys["secret_access_key"])
    s3.create_bucket(Bucket=BUCKET)
    request = urllib.request.Request(moto.url + "/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "text/plain"})
    with _OPENER.open(request, timeout=10) as response:
        response.read()
    return keys


def table_metadata(location):
    """A format-version 2 Iceberg table metadata document for an empty
    table with one schema, an unpartitioned spec and no snapshots."""
    return {
        "format-version": 2,
        "table-uuid": str(uuid.uuid4()),
        "location": location,
        "last-sequence-number": 0,
        "last-updated-ms": 1764806400000,
        "last-column-id": 3,
        "current-schema-id": 0,
        "schemas": [{
            "type": "struct",
            "schema-id": 0,
            "fields": [
                {"id": 1, "name": "order_id", "required": True, "type": "long"},
                {"id": 2, "name": "customer", "required": False, "type": "string"},
                {"id": 3, "name": "placed_at", "required": False, "type": "timestamptz"},
            ],
        }],
        "default-spec-id": 0,
        "partition-specs": [{"spec-id": 0, "fields": []}],
        "last-partition-id": 999,
        "default-sort-order-id": 0,
        "sort-orders": [{"order-id": 0, "fields": []}],
        "properties": {"owner": "floecat-tests"},
        "current-snapshot-id": -1,
        "refs": {},
        "snapshots": [],
        "statistics": [],
        "partition-statistics": [],
        "snapshot-log": [],
        "metadata-log": [],
    }


def put_table_metadata(moto, keys, table_key):
    """Writes <table_key>/metadata/00000-<uuid>.metadata.json into the bucket
    and returns (table location, metadata location, metadata document)."""
    location = "s3://%s/%s" % (BUCKET, table_key)
    metadata = table_metadata(location)
    object_key = "%s/metadata/00000-%s.metadata.json" % (table_key, metadata["table-uuid"])
    s3 = moto.client("s3", keys["access_key_id"], keys["secret_access_key"])
    s3.put_object(Bucket=BUCKET, Key=object_key, Body=json.dumps(metadata).encode())
    return location, "s3://%s/%s" % (BUCKET, object_key), metadata


class VendingEnvironment:
    """moto with a recording proxy, a floecat server, an account and a storage
    authority whose STS and S3 endpoints go through the proxy."""

    def __init__(self, account="acme", overrides=None):
        self.account = account
        self.overrides = overrides or {}
        self.moto = None
        self.proxy = None
        self.server = None
        self.keys = None
        self.authority = None

    def start(self):
        """Starts everything; on failure stops what did start and raises."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        from floecat_fixtures import FloecatServer
        from awsfixtures import loopback_env
        self.moto = MotoServer().start()
        self.keys = prepare_moto(self.moto)
        self.proxy = RecordingProxy(self.moto.port).start()
        self.server = FloecatServer(extra_env=loopback_env(), overrides=self.overrides)
        self.server.start()
        created = self.server.request("POST", "/api/v1/accounts",
                                      {"id": self.account, "display_name": "Acme"})
        assert created.status == 201, created
        authority = self.server.request(
            "POST", "/api/v1/accounts/%s/storage-authorities" % self.account, {
                "display_name": "lake",
                "location_prefix": "s3://%s/warehouse" % BUCKET,
                "region": "us-east-1",
                "endpoint": self.proxy.url,
                "sts_endpoint": self.proxy.url,
                "path_style_access": True,
                "assume_role_arn": self.keys["role_arn"],
                "duration_seconds": 3600,
                "credentials": {"type": "aws",
                                "access_key_id": self.keys["access_key_id"],
                                "secret_access_key": self.keys["secret_access_key"]},
            })
        assert authority.status == 201, authority
        self.authority = authority.json()
        return self

    def create_namespace(self, levels):
        response = self.server.request("POST", "/iceberg/v1/%s/namespaces" % self.account,
                                       {"namespace": levels, "properties": {}})
        assert response.status == 200, response
        return response

    def stop(self):
        if self.server is not None:
            self.server.cleanup()
            self.server = None
        if self.proxy is not None:
            self.proxy.stop()
            self.proxy = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
