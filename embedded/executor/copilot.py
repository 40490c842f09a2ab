"""Flytebox's copilot: moves a raw-container task's files between the object store and its pod.

Run inline (python3 -c) in the default flytekit task image, or any image with python3 (the
standard library only), so that no file of it needs to be in an image or the cluster.
  download STAGING DIR  (init container) STAGING/inputs/* into DIR, before the task starts
  upload DIR STAGING    (sidecar) waits for SIGTERM, sent once the task's container has ended;
                        then DIR into STAGING/outputs/ and, last, the marker STAGING/_done
STAGING is s3://BUCKET/PREFIX: the engine runs tasks as pods only with an S3 store (it refuses
--kubeconfig with local files, which pods cannot reach); any other scheme fails with exit 1.
The object store's endpoint and credentials come from FLYTE_AWS_* as the task's own do; the
region (for the signature) from AWS_REGION or AWS_DEFAULT_REGION, else us-east-1.
A symbolic link among the outputs is not followed: the task's error (_ERROR) says so.
A failed request exits 1 with a line naming the object and the HTTP status.
"""
import signal
import sys

# The sidecar holds SIGTERM from its first line, before the imports below (http.client's take
# tens of ms): a task that ends while the copilot starts is not missed; upload() waits for it.
if sys.argv[1:2] == ["upload"]:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

import datetime
import hashlib
import hmac
import http.client
import os
import shutil
import urllib.parse
import xml.etree.ElementTree as ElementTree

CHUNK = 1 << 20  # bytes read or written at a time: files are streamed, never held whole


def fail(message):
    sys.exit(f"copilot: {message}")


def quote(text, safe="/"):  # SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ (and safe)
    return urllib.parse.quote(text, safe=safe)


class Bucket:
    """The bucket of an s3:// URI at FLYTE_AWS_ENDPOINT, addressed path-style
    (ENDPOINT/BUCKET/KEY); every request signed with AWS Signature Version 4. One kept-alive
    connection, opened again once if the store closed it."""

    def __init__(self, uri):
        if not uri.startswith("s3://"):
            fail(f"{uri} is not in an S3 bucket: the copilot reaches objects through S3 only")
        self.name, _, prefix = uri[len("s3://"):].rstrip("/").partition("/")
        self.prefix = prefix + "/" if prefix else ""  # keys under the URI start with it
        env = os.environ.get
        self.region = env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1"
        self.endpoint = env("FLYTE_AWS_ENDPOINT") or f"https://s3.{self.region}.amazonaws.com"
        self.key_id = env("FLYTE_AWS_ACCESS_KEY_ID") or env("AWS_ACCESS_KEY_ID") or ""
        self.secret = env("FLYTE_AWS_SECRET_ACCESS_KEY") or env("AWS_SECRET_ACCESS_KEY") or ""
        if not self.key_id or not self.secret:
            fail("FLYTE_AWS_ACCESS_KEY_ID and FLYTE_AWS_SECRET_ACCESS_KEY must be set")
        url = urllib.parse.urlsplit(self.endpoint)
        if url.scheme not in ("http", "https") or not url.netloc:
            fail(f"FLYTE_AWS_ENDPOINT={self.endpoint} must look like http(s)://host:port")
        self.host = url.netloc
        self.https = url.scheme == "https"
        self.connection = None

    def uri(self, key):
        return f"s3://{self.name}/{key}"

    def headers(self, method, path, query, payload_hash):
        """The signed headers of a request (SigV4: canonical request, string to sign, key
        derived from the secret through the date, region and service)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        headers = {"host": self.host, "x-amz-content-sha256": payload_hash, "x-amz-date": stamp}
        names = ";".join(sorted(headers))
        canonical = "\n".join([method, path, query]
                              + [f"{k}:{headers[k]}" for k in sorted(headers)]
                              + ["", names, payload_hash])
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, "
                                    f"SignedHeaders={names}, Signature={signature}")
        return headers

    def request(self, method, key, params=(), body=b"", on_ok=None):
        """`method` on the object `key` (or the bucket, key None) with the query `params`;
        `body` bytes or an open file (streamed, its hash left unsigned). on_ok(response)
        reads a 2xx response; any other status exits naming the object."""
        path = "/" + quote(self.name) + ("" if key is None else "/" + quote(key))
        query = "&".join(f"{quote(k, '')}={quote(v, '')}" for k, v in sorted(params))
        streamed = not isinstance(body, bytes)
        payload = "UNSIGNED-PAYLOAD" if streamed else hashlib.sha256(body).hexdigest()
        target = self.uri(key if key is not None else dict(params).get("prefix", ""))
        for attempt in (1, 2):
            headers = self.headers(method, path, query, payload)
            if method == "PUT":  # S3 wants the length up front: no chunked transfer
                headers["content-length"] = str(os.fstat(body.fileno()).st_size if streamed
                                                else len(body))
            try:
                if self.connection is None:
                    kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
                    self.connection = kind(self.host, timeout=300, blocksize=CHUNK)
                if streamed:
                    body.seek(0)
                self.connection.request(method, path + ("?" + query if query else ""),
                                        body if method == "PUT" else None, headers)
                response = self.connection.getresponse()
                if 200 <= response.status < 300:
                    result = on_ok(response) if on_ok else None
                    response.read()  # the rest, for the connection's next request
                    return result
                fail(f"{method} {target}: HTTP {response.status} {response.reason}"
                     f"{error_detail(response.read())}")
            except (http.client.HTTPException, OSError) as e:
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    fail(f"{method} {target} at {self.endpoint}: {type(e).__name__}: {e}")

    def keys(self, prefix):
        """Every key under `prefix` (ListObjectsV2, page after page); folder markers left out."""
        params = [("list-type", "2"), ("prefix", prefix)]
        while True:
            page = self.request("GET", None, params, on_ok=lambda r: xml_fields(r.read()))
            yield from (k for k in page.get("Key", []) if not k.endswith("/"))
            if page.get("IsTruncated", ["false"])[0] != "true":
                return
            params = [("list-type", "2"), ("prefix", prefix),
                      ("continuation-token", page["NextContinuationToken"][0])]

    def get_file(self, key, target):
        def write(response):
            f.seek(0)  # a request made again starts the file again
            f.truncate()
            shutil.copyfileobj(response, f, CHUNK)

        with open(target, "wb") as f:
            self.request("GET", key, on_ok=write)

    # A single PUT: an output file of more than 5 GiB is refused by S3 (no multipart upload).
    def put_file(self, path, key):
        with open(path, "rb") as f:
            self.request("PUT", key, body=f)

    def put(self, key, data):
        self.request("PUT", key, body=data)


def xml_fields(document):
    """Texts of the elements of an S3 XML answer by local name (namespace dropped)."""
    fields = {}
    for element in ElementTree.fromstring(document).iter():
        fields.setdefault(element.tag.rsplit("}", 1)[-1], []).append(element.text or "")
    return fields


def error_detail(document):
    try:
        fields = xml_fields(document)
    except ElementTree.ParseError:
        return ""
    return ": " + " ".join(fields[f][0] for f in ("Code", "Message") if f in fields)


def download(staging, dest):
    bucket = Bucket(staging)
    base = bucket.prefix + "inputs/"
    count = 0
    for key in bucket.keys(base):
        rel = key[len(base):]
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            fail(f"refusing input path {bucket.uri(key)!r}")
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        bucket.get_file(key, target)
        count += 1
    print(f"copilot: {count} input files in {dest}", flush=True)


def upload(src, staging):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # held already when run as a script
    bucket = Bucket(staging)
    print(f"copilot: waiting for the task to end to upload {src}", flush=True)
    signal.sigwait({signal.SIGTERM})
    files, links = [], []
    for root, dirs, names in os.walk(src):
        for name in dirs + names:
            path = os.path.join(root, name)
            if os.path.islink(path):
                links.append(os.path.relpath(path, src))
            elif name in names:
                files.append(path)
    base = bucket.prefix
    if links:  # the engine refuses them too; never read what a link points at
        bucket.put(base + "outputs/_ERROR", (
            f"the output folder holds symbolic links ({', '.join(sorted(links))}); "
            "write the files themselves").encode())
    else:
        for path in files:
            bucket.put_file(path, base + "outputs/" + os.path.relpath(path, src))
    bucket.put(base + "_done", str(len(files)).encode())
    print(f"copilot: {len(files)} output files uploaded", flush=True)


if __name__ == "__main__":
    {"download": download, "upload": upload}[sys.argv[1]](sys.argv[2], sys.argv[3])
