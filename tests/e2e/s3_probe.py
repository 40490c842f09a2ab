"""A flytekit task that tries, with the S3 keys the sandbox gives it (FLYTE_AWS_*), what a task
must not do to the object store, and what it must: each attempt's outcome is reported, the
error code of a refusal or "ok". Admin calls are versitygw's (signed PATCH requests)."""
import hashlib
import json
import os
import urllib.error
import urllib.request
import uuid

from flytekit import task, workflow

OWN_BUCKET = "my-s3-bucket"


def admin_call(endpoint: str, access: str, secret: str, path: str, body: bytes = b"") -> str:
    """versitygw's admin API: a SigV4-signed PATCH; the HTTP status and error code."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="PATCH", url=endpoint + path, data=body,
                         headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    SigV4Auth(Credentials(access, secret), "s3", "us-east-1").add_auth(request)
    req = urllib.request.Request(endpoint + path, data=body, method="PATCH",
                                 headers=dict(request.headers))
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return f"{r.status} ok"
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        code = text.split("<Code>", 1)[-1].split("</Code>", 1)[0] if "<Code>" in text else ""
        return f"{e.code} {code}"


def attempts(endpoint: str, access: str, secret: str, other_bucket: str) -> dict:
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError

    s3 = botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    mine = f"probe/{uuid.uuid4().hex}"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{OWN_BUCKET}", f"arn:aws:s3:::{OWN_BUCKET}/*"]}]})
    account = json.dumps({"access": "made-by-a-task", "secret": "0123456789abcdef",
                          "role": "admin"}).encode()
    tries = {
        "create_bucket": lambda: s3.create_bucket(Bucket="made-by-a-task"),
        "list_buckets": lambda: sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        "get_other": lambda: s3.get_object(Bucket=other_bucket, Key="secret")["Body"].read()
        .decode(),
        "list_other": lambda: s3.list_objects_v2(Bucket=other_bucket).get("KeyCount"),
        "put_other": lambda: s3.put_object(Bucket=other_bucket, Key="from-a-task", Body=b"x")
        and None,
        "copy_from_other": lambda: s3.copy_object(Bucket=OWN_BUCKET, Key=mine + "-copy",
                                                  CopySource=f"{other_bucket}/secret") and None,
        "delete_other": lambda: s3.delete_bucket(Bucket=other_bucket),
        "delete_own_bucket": lambda: s3.delete_bucket(Bucket=OWN_BUCKET),
        "put_own_policy": lambda: s3.put_bucket_policy(Bucket=OWN_BUCKET, Policy=policy),
        "put_own": lambda: s3.put_object(Bucket=OWN_BUCKET, Key=mine, Body=b"mine") and None,
        "get_own": lambda: s3.get_object(Bucket=OWN_BUCKET, Key=mine)["Body"].read().decode(),
        "delete_own": lambda: s3.delete_object(Bucket=OWN_BUCKET, Key=mine) and None,
    }
    out = {}
    for name, attempt in tries.items():
        try:
            out[name] = {"ok": attempt()}
        except ClientError as e:
            out[name] = {"error": e.response["Error"]["Code"]}
    out["admin_list_users"] = admin_call(endpoint, access, secret, "/list-users")
    out["admin_create_user"] = admin_call(endpoint, access, secret, "/create-user", account)
    return out


@task
def probe(other_bucket: str) -> str:
    env = os.environ
    return json.dumps(attempts(env["FLYTE_AWS_ENDPOINT"], env["FLYTE_AWS_ACCESS_KEY_ID"],
                               env["FLYTE_AWS_SECRET_ACCESS_KEY"], other_bucket))


@workflow
def probe_wf(other_bucket: str) -> str:
    return probe(other_bucket=other_bucket)
