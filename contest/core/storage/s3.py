"""S3 storage through boto3: any S3-compatible store (AWS, MinIO, moto) at `endpoint_url`.

Browsers upload straight to the bucket with presigned multipart URLs and play from presigned GET
URLs, so video bytes never pass through the app. Presigned parts cannot cap the size: check a
completed object (stat, read_start) before accepting it. Every botocore failure becomes a
StorageError that says what went wrong in plain words.
"""

import re
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore import exceptions as botocore_errors
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from contest.core.storage.base import (
    CHUNK_SIZE,
    Storage,
    StorageError,
    StoredObject,
    UploadPart,
    check_key,
    content_disposition,
)

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MISSING_OBJECT = {"404", "NoSuchKey", "NotFound"}
_REFUSED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}
MAX_PARTS = 10_000
PART_SIZE = 8 * 1024 * 1024


def _transfer_config():
    """Multipart transfers in 8 MiB parts, at most 4 parts in memory at once (32 MiB)."""
    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=4,
        io_chunksize=CHUNK_SIZE,
    )
    config.max_in_memory_upload_chunks = 4
    config.max_in_memory_download_chunks = 4
    return config


def _code(error):
    """The S3 error code of a ClientError ("404" for a HEAD, which has no body)."""
    return str(error.response.get("Error", {}).get("Code", ""))


class _CountingReader:
    """Reads from `stream` and counts the bytes; only `read`, so boto3 streams it in parts."""

    def __init__(self, stream):
        self.stream = stream
        self.size = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.size += len(data)
        return data


class S3Storage(Storage):
    """Objects in `bucket` under `prefix`/; a key "videos/x.mp4" is object "prefix/videos/x.mp4".

    Without access keys boto3 finds credentials its usual way (environment, config files,
    instance roles).
    """

    name = "s3"
    direct = True

    def __init__(
        self,
        bucket,
        prefix="",
        endpoint_url=None,
        region="us-east-1",
        access_key_id=None,
        secret_access_key=None,
        max_attempts=3,
        connect_timeout=5,
        read_timeout=60,
    ):
        if not _BUCKET.fullmatch(bucket or ""):
            raise ValueError(f"{bucket!r} is not a valid S3 bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if self.prefix:
            check_key(self.prefix)
        self.endpoint_url = endpoint_url or None
        config = Config(
            signature_version="s3v4",
            retries={"max_attempts": max_attempts, "mode": "standard"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            # Path-style URLs suit S3-compatible servers at an address (MinIO, moto).
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            # Checksums only where S3 requires them: not every S3-compatible store takes them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(region_name=region or "us-east-1")
        self.client = session.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=config,
        )
        self.transfer = _transfer_config()

    @classmethod
    def from_url(cls, url, config=None):
        """`s3://bucket/prefix` plus S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY_ID and
        S3_SECRET_ACCESS_KEY from `config` (a mapping); ValueError if malformed."""
        config = config or {}
        parts = urlsplit(url)
        if "@" in parts.netloc:  # never echo what may be a secret key
            raise ValueError(
                "STORAGE_URL holds credentials: put them in S3_ACCESS_KEY_ID and "
                "S3_SECRET_ACCESS_KEY, and use s3://bucket/prefix"
            )
        if parts.scheme != "s3" or ":" in parts.netloc:
            raise ValueError(f"an S3 STORAGE_URL looks like s3://bucket/prefix, got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError(f"STORAGE_URL takes no query or fragment: {url!r}")
        endpoint = config.get("S3_ENDPOINT_URL") or None
        if endpoint:
            endpoint_parts = urlsplit(endpoint)
            if endpoint_parts.scheme not in ("http", "https") or not endpoint_parts.hostname:
                raise ValueError(f"S3_ENDPOINT_URL must be an http(s):// URL, got {endpoint!r}")
        key_id, secret = config.get("S3_ACCESS_KEY_ID"), config.get("S3_SECRET_ACCESS_KEY")
        if bool(key_id) != bool(secret):
            raise ValueError("set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither")
        try:
            return cls(
                bucket=parts.netloc,
                prefix=parts.path,
                endpoint_url=endpoint,
                region=config.get("S3_REGION") or "us-east-1",
                access_key_id=key_id,
                secret_access_key=secret,
            )
        except StorageError as exc:
            raise ValueError(f"STORAGE_URL has a bad prefix: {exc}") from exc

    def __repr__(self):
        return f"<S3Storage s3://{self.bucket}/{self.prefix} at {self.endpoint_url or 'AWS'}>"

    def object_key(self, key):
        """The S3 object key for a storage key (the prefix added); StorageError for a bad key."""
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    # --- errors ---------------------------------------------------------------------------------

    @property
    def _where(self):
        return f"S3 bucket {self.bucket!r} at {self.endpoint_url or 'AWS'}"

    @contextmanager
    def _errors(self, doing, key=None, allow=()):
        """Turn botocore's exceptions raised while `doing` into one plain StorageError; an S3
        error whose code is in `allow` ends the block quietly instead."""
        try:
            yield
        except ClientError as exc:
            if _code(exc) in allow:
                return
            raise StorageError(self._describe(exc, doing, key)) from exc
        except (BotoCoreError, S3UploadFailedError) as exc:
            raise StorageError(self._describe(exc, doing, key)) from exc

    def _describe(self, exc, doing, key):
        if isinstance(exc, S3UploadFailedError) and isinstance(exc.__context__, ClientError):
            exc = exc.__context__
        if isinstance(exc, ClientError):
            error, code = exc.response.get("Error", {}), _code(exc)
            if code == "NoSuchBucket" or (code in _MISSING_OBJECT and not self._bucket_exists()):
                return f"{self._where} does not exist (could not {doing})"
            if code in _MISSING_OBJECT:
                return f"no object {key!r} in {self._where}"
            if code == "NoSuchUpload":
                return f"no such multipart upload for {key!r} in {self._where} (finished or gone)"
            if code in _REFUSED:
                return (
                    f"{self._where} refused to {doing} ({code}): check S3_ACCESS_KEY_ID and "
                    "S3_SECRET_ACCESS_KEY and the bucket's permissions"
                )
            return f"could not {doing} in {self._where}: {code} {error.get('Message', '')}".strip()
        if isinstance(exc, botocore_errors.ConnectionError | botocore_errors.HTTPClientError):
            endpoint = self.endpoint_url or "AWS"
            return f"S3 endpoint {endpoint} is unreachable (could not {doing}): {exc}"
        if isinstance(
            exc, botocore_errors.NoCredentialsError | botocore_errors.PartialCredentialsError
        ):
            return (
                "no S3 credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY "
                "(or give boto3 credentials its usual way)"
            )
        return f"could not {doing} in {self._where}: {exc}"

    def _bucket_exists(self):
        """False only when S3 says the bucket is not there (HEAD answers have no error code)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            return _code(exc) not in _MISSING_OBJECT
        except BotoCoreError:
            return True
        return True

    # --- the contract ---------------------------------------------------------------------------

    def save(self, key, stream, content_type):
        name = self.object_key(key)
        reader = _CountingReader(stream)
        with self._errors("store", key):
            self.client.upload_fileobj(
                reader,
                self.bucket,
                name,
                ExtraArgs={"ContentType": content_type},
                Config=self.transfer,
            )
        return reader.size

    def save_file(self, key, path, content_type):
        name = self.object_key(key)
        source = Path(path)
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise StorageError(f"could not read {source} to store it: {exc}") from exc
        with self._errors("store", key):
            self.client.upload_file(
                str(source),
                self.bucket,
                name,
                ExtraArgs={"ContentType": content_type},
                Config=self.transfer,
            )
        source.unlink()
        return size

    def check(self):
        with self._errors("reach the bucket"):
            self.client.head_bucket(Bucket=self.bucket)

    def stat(self, key):
        with self._errors("look up", key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        return StoredObject(
            key=key,
            size=head["ContentLength"],
            content_type=head.get("ContentType") or "application/octet-stream",
        )

    def read_start(self, key, length):
        if length <= 0:
            self.stat(key)
            return b""
        data = b""  # an empty object has no byte 0: S3 answers InvalidRange
        with self._errors("read", key, allow={"InvalidRange"}):
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self.object_key(key), Range=f"bytes=0-{length - 1}"
            )
            with answer["Body"] as body:
                data = body.read()
        return data

    def open(self, key):
        with self._errors("read", key):
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))["Body"]

    @contextmanager
    def local_copy(self, key):
        name = self.object_key(key)
        with tempfile.NamedTemporaryFile(prefix="psa-", suffix=PurePosixPath(key).suffix) as file:
            with self._errors("download", key):
                self.client.download_fileobj(self.bucket, name, file, Config=self.transfer)
            file.flush()
            yield file.name

    def delete(self, key):
        with self._errors("delete", key):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def download_url(self, key, filename, content_type, expires=3600, inline=True):
        params = {
            "Bucket": self.bucket,
            "Key": self.object_key(key),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition(filename, inline=inline),
        }
        with self._errors("sign a download link", key):
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=expires
            )

    def browser_origin(self):
        # Read off a presigned URL (signing is local): it shows the host browsers are sent to,
        # whether a custom endpoint, path-style or virtual-hosted AWS.
        url = self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.object_key("origin")}
        )
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    # --- direct (presigned multipart) uploads ---------------------------------------------------

    def start_multipart(self, key, content_type):
        with self._errors("start an upload", key):
            answer = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.object_key(key), ContentType=content_type
            )
        return answer["UploadId"]

    def presign_parts(self, key, upload_id, numbers, expires=3600, sizes=None):
        name = self.object_key(key)
        parts = []
        with self._errors("sign upload links", key):
            for number in numbers:
                if not isinstance(number, int) or not 1 <= number <= MAX_PARTS:
                    raise StorageError(f"part numbers run from 1 to {MAX_PARTS}, got {number!r}")
                params = {
                    "Bucket": self.bucket,
                    "Key": name,
                    "UploadId": upload_id,
                    "PartNumber": number,
                }
                if sizes is not None:
                    params["ContentLength"] = sizes[number]  # signed: S3 refuses another size
                url = self.client.generate_presigned_url(
                    "upload_part", Params=params, ExpiresIn=expires
                )
                parts.append(UploadPart(number=number, url=url))
        return parts

    def uploaded_parts(self, key, upload_id):
        found = []
        with self._errors("list the upload's parts", key):
            pages = self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id
            )
            for page in pages:
                found.extend(
                    (part["PartNumber"], part["ETag"], part["Size"])
                    for part in page.get("Parts", [])
                )
        return sorted(found)

    def complete_multipart(self, key, upload_id, parts):
        listed = [{"PartNumber": number, "ETag": etag} for number, etag in sorted(parts)]
        with self._errors("finish the upload", key):
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.object_key(key),
                UploadId=upload_id,
                MultipartUpload={"Parts": listed},
            )
        return self.stat(key)

    def abort_multipart(self, key, upload_id):
        with self._errors("abort the upload", key, allow={"NoSuchUpload"}):
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id
            )
