"""Times botocore's SigV4Auth on the request signer_bench.cc signs and
prints the mean microseconds per request on the last line.

Run by signer_bench; also runnable alone: python3 botocore_signer_bench.py [N]."""

import datetime
import sys
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

BODY = b'{"SecretId":"accounts/acme/connectors/c-0001"}'


def sign_once(signer):
    request = botocore.awsrequest.AWSRequest(
        method="POST", url="https://secretsmanager.eu-west-1.amazonaws.com/", data=BODY)
    request.headers["Host"] = "secretsmanager.eu-west-1.amazonaws.com"
    request.headers["Content-Type"] = "application/x-amz-json-1.1"
    request.headers["X-Amz-Target"] = "secretsmanager.GetSecretValue"
    signer.add_auth(request)
    return request


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    credentials = botocore.credentials.Credentials(
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token-example")
    signer = botocore.auth.SigV4Auth(credentials, "secretsmanager", "eu-west-1")
    fixed = datetime.datetime(2026, 12, 4, 12, 0, 0)
    botocore.auth.get_current_datetime = lambda: fixed
    for _ in range(500):
        sign_once(signer)
    start = time.perf_counter()
    for _ in range(count):
        sign_once(signer)
    elapsed = time.perf_counter() - start
    print("botocore %s SigV4Auth: %d requests" % (botocore.__version__, count))
    print("%.3f" % (elapsed / count * 1e6))


if __name__ == "__main__":
    main()
