"""Shared helpers for the AWS integration tests: SigV4 cases signed by
botocore, moto_server on a free loopback port, the AWS CLI, and a proxy that
injects faults between floecat and moto.

Nothing here talks to anything but 127.0.0.1."""

import base64
import datetime
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SOURCE_DIR = os.environ.get(
    "FLOECAT_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

# Fails loudly at import when the reference tools are missing: these tests
# are never skipped.
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import moto  # noqa: E402,F401

# Requests go straight to loopback: proxies from the environment are ignored.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_tests_binary():
    """Returns the path of the aws layer's gtest program in the build tree."""
    explicit = os.environ.get("FLOECAT_AWS_TESTS")
    if explicit:
        return explicit
    binary = os.environ.get("FLOECAT_BINARY")
    if binary:
        return os.path.join(os.path.dirname(os.path.dirname(binary)), "tests", "aws_tests")
    return os.path.join(SOURCE_DIR, "build", "tests", "aws_tests")


# ---------------------------------------------------------------------------
# SigV4 cases

# Characters that SigV4 treats specially: reserved ones, '%', '+', space,
# '~' (unreserved), and multi-byte UTF-8.
_QUERY_ALPHABET = ["a", "b", "Z", "0", "9", "-", "_", ".", "~", " ", "+", "%", "&", "=", "/",
                   "?", "#", "*", "!", "'", "(", ")", ";", ":", "@", "$", ",", "[", "]", "\"",
                   "é", "ß", "日", "本", "🙂", "%20", "%2F"]
_PATH_ALPHABET = ["a", "b", "Q", "7", "-", "_", ".", "~", " ", "+", "=", "!", "*", "(", ")",
                  "'", "@", ":", "$", ",", ";", "é", "日", "%"]
_SEGMENT_SPECIALS = [".", "..", "", "~user", "a b", "%41"]


def _random_text(rng, alphabet, max_length, allow_empty=True):
    length = rng.randint(0 if allow_empty else 1, max_length)
    return "".join(rng.choice(alphabet) for _ in range(length))


def _wire_segment(rng):
    """A path segment as it appears on the wire: already percent-encoded."""
    if rng.random() < 0.2:
        special = rng.choice(_SEGMENT_SPECIALS)
        return special if special != "a b" else "a%20b"
    raw = _random_text(rng, _PATH_ALPHABET, 8, allow_empty=False)
    # Encode once the way a client does; keep some reserved characters raw so
    # the double-encoding rule sees them too.
    return urllib.parse.quote(raw, safe=rng.choice(["", "!*'()@:$,;=+", "~"]))


def _wire_path(rng):
    segments = [_wire_segment(rng) for _ in range(rng.randint(0, 5))]
    path = "/" + "/".join(segments)
    if rng.random() < 0.2:
        path += "/"
    if rng.random() < 0.1:
        path = path.replace("/", "//", 1)
    return path


def _s3_path(rng):
    key = "/".join(_random_text(rng, _PATH_ALPHABET + ["/"], 10, allow_empty=False)
                   for _ in range(rng.randint(1, 3)))
    bucket = rng.choice(["bucket", "my-bucket.example", "b1"])
    # botocore's S3 serializer encodes the key once, keeping '/' and '~'.
    return "/" + bucket + "/" + urllib.parse.quote(key, safe="/~")


def _query(rng):
    params = []
    for _ in range(rng.randint(0, 6)):
        key = _random_text(rng, _QUERY_ALPHABET, 6, allow_empty=rng.random() < 0.1)
        value = _random_text(rng, _QUERY_ALPHABET, 8)
        params.append([key, value])
        # Repeated keys with differing values, in an order that is not sorted.
        if rng.random() < 0.3:
            params.append([key, _random_text(rng, _QUERY_ALPHABET, 4)])
        if rng.random() < 0.1:
            params.append([key, ""])
    return params


def _headers(rng, host):
    headers = [["Host", host]]
    if rng.random() < 0.7:
        headers.append(["Content-Type", rng.choice(
            ["application/x-amz-json-1.1", "application/x-www-form-urlencoded; charset=utf-8",
             "text/plain"])])
    if rng.random() < 0.5:
        headers.append(["X-Amz-Target", "secretsmanager.GetSecretValue"])
    if rng.random() < 0.3:
        headers.append(["X-Custom-Spaces", "  a   b \t c  "])
    if rng.random() < 0.2:
        headers.append(["User-Agent", "floecat-test/1.0"])
    if rng.random() < 0.2:
        headers.append(["x-amz-meta-Mixed", "Value"])
    return headers


def generate_sigv4_cases(count, seed=20261204):
    """Returns `count` random requests as dicts, half for S3 and half for
    services that use the double-encoding rule."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        s3 = index % 2 == 0
        host = rng.choice(["127.0.0.1:4566", "secretsmanager.eu-west-1.amazonaws.com",
                           "s3.us-east-1.amazonaws.com"])
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 0, 1, 17, 300])))
        token = "" if rng.random() < 0.5 else "FQoGZXIvYXdzE" + "x" * rng.randint(0, 40)
        when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            seconds=rng.randint(0, 400 * 86400))
        cases.append({
            "method": rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD"]),
            "origin": "http://" + host,
            "path": _s3_path(rng) if s3 else _wire_path(rng),
            "query": _query(rng),
            "headers": _headers(rng, host),
            "body_b64": base64.b64encode(body).decode(),
            "service": "s3" if s3 else rng.choice(["secretsmanager", "sts", "execute-api"]),
            "region": rng.choice(["us-east-1", "eu-west-1", "ap-southeast-2"]),
            "epoch_seconds": int(when.timestamp()),
            "access_key": "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                           for _ in range(16)),
            "secret_key": "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789/+")
                                  for _ in range(40)),
            "token": token,
            "s3": s3,
        })
    return cases


def botocore_sign(case):
    """Signs one case with botocore's SigV4Auth (or S3SigV4Auth) and returns
    the headers it set as a dict."""
    credentials = botocore.credentials.Credentials(
        case["access_key"], case["secret_key"], case["token"] or None)
    auth_class = botocore.auth.S3SigV4Auth if case["s3"] else botocore.auth.SigV4Auth
    signer = auth_class(credentials, case["service"], case["region"])
    request = botocore.awsrequest.AWSRequest(
        method=case["method"], url=case["origin"] + case["path"],
        data=base64.b64decode(case["body_b64"]),
        params=[tuple(pair) for pair in case["query"]])
    for name, value in case["headers"]:
        request.headers[name] = value
    fixed = datetime.datetime.fromtimestamp(case["epoch_seconds"], datetime.timezone.utc)
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: fixed.replace(tzinfo=None)
    try:
        signer.add_auth(request)
    finally:
        botocore.auth.get_current_datetime = original
    return dict(request.headers.items())


def write_cases_with_expectations(count, path, seed=20261204):
    """Writes `count` cases as JSON lines, each with botocore's
    Authorization header under "expected"."""
    with open(path, "w", encoding="utf-8") as out:
        for case in generate_sigv4_cases(count, seed):
            case["expected"] = botocore_sign(case)["Authorization"]
            out.write(json.dumps(case, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------
# moto_server

MOTO_ACCOUNT = "123456789012"
MOTO_REGION = "us-east-1"
ROLE_NAME = "floecat-secrets"


def loopback_env(extra=None):
    """Returns an environment for child processes: no proxies, no instance
    metadata lookups, no shared AWS files of the developer."""
    env = {key: value for key, value in os.environ.items()
           if not key.upper().startswith(("AWS_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"))}
    env.update({
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
    })
    env.update(extra or {})
    return env


class MotoServer:
    """Runs `python3 -m moto.server` on a free loopback port."""

    def __init__(self):
        self.port = None
        self.process = None
        self.log = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=self.log, env=loopback_env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("moto_server exited: " + self.log_text())
            try:
                with _OPENER.open(self.url + "/moto-api/data.json", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start: " + self.log_text())

    def log_text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log is not None:
            self.log.close()
            os.unlink(self.log.name)
            self.log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def client(self, service, access_key="testing", secret_key="testing"):
        """A botocore client for this server, with explicit keys."""
        import botocore.config
        import botocore.session
        session = botocore.session.Session()
        return session.create_client(
            service, region_name=MOTO_REGION, endpoint_url=self.url,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            config=botocore.config.Config(proxies={}, retries={"max_attempts": 1}))

    def enable_auth(self, authenticate=True):
        """Creates an IAM user allowed Secrets Manager and STS, and a role it
        may assume with session tags, then (with `authenticate`) switches moto
        to checking every signature and policy. Returns the user's keys and
        the role ARN."""
        iam = self.client("iam")
        iam.create_user(UserName="floecat")
        iam.put_user_policy(UserName="floecat", PolicyName="floecat", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:*", "sts:*"],
                           "Resource": "*"}]}))
        key = iam.create_access_key(UserName="floecat")["AccessKey"]
        user_arn = "arn:aws:iam::%s:user/floecat" % MOTO_ACCOUNT
        role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn},
                           "Action": ["sts:AssumeRole", "sts:TagSession"]}]}))["Role"]
        iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="secrets", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}))
        # A user that may only create and tag secrets, for permission errors.
        iam.create_user(UserName="floecat-limited")
        iam.put_user_policy(UserName="floecat-limited", PolicyName="limited",
                            PolicyDocument=json.dumps({
                                "Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow",
                                               "Action": ["secretsmanager:CreateSecret",
                                                          "secretsmanager:TagResource"],
                                               "Resource": "*"}]}))
        limited = iam.create_access_key(UserName="floecat-limited")["AccessKey"]
        keys = {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"],
                "limited_access_key_id": limited["AccessKeyId"],
                "limited_secret_access_key": limited["SecretAccessKey"],
                "role_arn": role["Arn"], "url": self.url}
        if not authenticate:
            return keys
        request = urllib.request.Request(self.url + "/moto-api/reset-auth", data=b"0",
                                         method="POST",
                                         headers={"Content-Type": "text/plain"})
        with _OPENER.open(request, timeout=10) as response:
            response.read()
        return keys


def run_aws_cli(moto, keys, args, input_bytes=None, check=True):
    """Runs `python3 -m awscli` against moto with the given keys."""
    env = loopback_env({
        "AWS_ACCESS_KEY_ID": keys["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"],
        "AWS_DEFAULT_REGION": MOTO_REGION,
    })
    command = [sys.executable, "-m", "awscli", "--endpoint-url", moto.url] + list(args)
    result = subprocess.run(command, input=input_bytes, capture_output=True, env=env, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError("aws %s exited %d: %s" % (" ".join(args), result.returncode,
                                                      result.stderr.decode(errors="replace")))
    return result


# ---------------------------------------------------------------------------
# Fault-injecting proxy

class FaultProxy:
    """An HTTP/1.1 proxy on a free loopback port in front of `target_url`.

    Each request takes the next action from the script (then "pass" once the
    script is empty):
      "pass"      forward to the target and relay its response
      "throttle"  HTTP 400 with a JSON ThrottlingException
      "500", "503" that status with an empty body
      "reset"     close the connection with a TCP reset and send nothing
      "stall"     read the request and never respond
    The request is forwarded byte for byte, Host header included, so the
    target's signature check sees what floecat signed."""

    def __init__(self, target_url, script=None):
        import threading
        self.target = urllib.parse.urlsplit(target_url)
        self.script = list(script or [])
        self.seen = []
        self.lock = threading.Lock()
        self.port = None
        self.server = None
        self.stalled = []
        self.stop_event = threading.Event()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def next_action(self, request_line):
        with self.lock:
            self.seen.append(request_line)
            return self.script.pop(0) if self.script else "pass"

    def set_script(self, script):
        with self.lock:
            self.script = list(script)
            self.seen = []

    def start(self):
        import socketserver
        import threading
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                connection = self.request
                reader = connection.makefile("rb")
                while True:
                    head = []
                    line = reader.readline()
                    if not line:
                        return
                    head.append(line)
                    length = 0
                    while True:
                        line = reader.readline()
                        if not line:
                            return
                        head.append(line)
                        if line in (b"\r\n", b"\n"):
                            break
                        name, _, value = line.decode("latin-1").partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value.strip())
                    body = reader.read(length) if length else b""
                    target = ""
                    for header in head:
                        if header.lower().startswith(b"x-amz-target:"):
                            target = header.split(b":", 1)[1].strip().decode()
                    action = proxy.next_action(target or head[0].decode().strip())
                    if not proxy.respond(connection, action, head, body):
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def respond(self, connection, action, head, body):
        """Carries out one action; returns False when the connection is done."""
        import http.client
        import struct
        if action == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
            return False
        if action == "stall":
            self.stalled.append(connection)
            self.stop_event.wait(120)
            return False
        if action in ("throttle", "500", "503"):
            status = {"throttle": 400, "500": 500, "503": 503}[action]
            payload = (b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
                       if action == "throttle" else b"")
            reason = {400: "Bad Request", 500: "Internal Server Error",
                      503: "Service Unavailable"}[status]
            connection.sendall(b"HTTP/1.1 %d %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
                               b"x-amzn-RequestId: fault-proxy\r\nContent-Length: %d\r\n\r\n"
                               % (status, reason.encode(), len(payload)) + payload)
            return True
        method, path, _ = head[0].decode().split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip():
                headers[name.strip()] = value.strip()
        upstream = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            upstream.putheader(name, value)
        upstream.endheaders(body)
        response = upstream.getresponse()
        data = response.read()
        out = [b"HTTP/1.1 %d %s\r\n" % (response.status, response.reason.encode())]
        for name, value in response.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                out.append(("%s: %s\r\n" % (name, value)).encode("latin-1"))
        out.append(b"Content-Length: %d\r\n\r\n" % len(data))
        connection.sendall(b"".join(out) + data)
        upstream.close()
        return True

    def stop(self):
        self.stop_event.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def floecat_secrets(args, keys, endpoint, data_dir, input_bytes=None, overrides=None,
                    binary=None):
    """Runs `floecat secrets ...` with the AWS backend at `endpoint`."""
    binary = binary or os.environ.get(
        "FLOECAT_BINARY", os.path.join(SOURCE_DIR, "build", "bin", "floecat"))
    settings = {
        "floecat.secrets.backend": "aws",
        "floecat.secrets.aws.endpoint": endpoint,
        "floecat.secrets.aws.sts-endpoint": endpoint,
        "floecat.secrets.aws.region": MOTO_REGION,
    }
    settings.update(overrides or {})
    command = [binary, "secrets"] + list(args) + ["--data-dir", data_dir]
    command += ["-D%s=%s" % item for item in settings.items()]
    env = loopback_env({
        "AWS_ACCESS_KEY_ID": keys["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["secret_access_key"],
    })
    return subprocess.run(command, input=input_bytes, capture_output=True, env=env, timeout=300)


if __name__ == "__main__":
    # `python3 awsfixtures.py sigv4-cases COUNT PATH` writes signed cases; the
    # aws gtest program calls this to compare its signer with botocore's.
    # `python3 awsfixtures.py moto-enable-auth URL` prepares a running moto
    # for authenticated tests and prints the keys and role as JSON.
    if len(sys.argv) == 4 and sys.argv[1] == "sigv4-cases":
        write_cases_with_expectations(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] in ("moto-enable-auth", "moto-setup"):
        server = MotoServer()
        server.port = int(sys.argv[2].rsplit(":", 1)[1])
        print(json.dumps(server.enable_auth(sys.argv[1] == "moto-enable-auth")))
    else:
        sys.exit("usage: awsfixtures.py sigv4-cases COUNT PATH | moto-enable-auth URL | moto-setup URL")
