"""Crafted archives for the import's attack tests: a real export, then its contest.json and zip
entries edited as an attacker would (no mocks: real zips, real storage, real databases)."""

import json
import struct
import zipfile
from pathlib import Path

from sqlalchemy import func, select

from contest.archive import archive
from contest.core.extensions import db
from contest.core.storage import get_storage

# Added to every id of an archive, so it never meets the ids of the target's own rows.
OFFSET = 100_000_000


def export(app, contest_id, path):
    with app.app_context():
        archive.export_contest(db.session, db.metadata, contest_id, path)
    return path


def manifest_of(path):
    with zipfile.ZipFile(path) as opened:
        return json.loads(opened.read(archive.MANIFEST))


def rewrite(source, path, change_manifest=None, files=None, compression=zipfile.ZIP_STORED):
    """A copy of the archive at `source`, its manifest passed through `change_manifest` and
    the members named in `files` ({name: bytes}) replaced or added."""
    files = dict(files or {})
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            data = files.pop(name, None) or old.read(name)
            if name == archive.MANIFEST and change_manifest:
                data = json.dumps(change_manifest(json.loads(data)))
            new.writestr(name, data, compress_type=compression)
        for name, data in files.items():
            new.writestr(name, data, compress_type=compression)
    return path


def relocated(source, path, offset=OFFSET):
    """The archive at `source` with every id and link moved by `offset` (read from the
    metadata's foreign keys), so it imports beside rows the target already holds."""
    manifest = manifest_of(source)
    for name, rows in manifest["tables"].items():
        table = db.metadata.tables[name]
        links = ["id", *(key.parent.name for key in table.foreign_keys)]
        links += ["subject_id"] if "subject_id" in table.c else []
        for row in rows:
            for column in links:
                if row.get(column) is not None:
                    row[column] += offset
    manifest["contest"]["id"] += offset
    manifest["files"] = {str(int(k) + offset): v for k, v in manifest["files"].items()}
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        new.writestr(archive.MANIFEST, json.dumps(manifest))
        for name in old.namelist():
            if name.startswith("assets/"):
                new.writestr(f"assets/{int(name.split('/')[1]) + offset}", old.read(name))
    return path


def lie_about_size(path, name, size):
    """Make the zip's headers (local and central) say member `name` holds `size` bytes."""
    data = bytearray(Path(path).read_bytes())
    with zipfile.ZipFile(path) as opened:
        info, start = opened.getinfo(name), opened.start_dir
    struct.pack_into("<I", data, info.header_offset + 22, size)
    position = data.find(b"PK\x01\x02", start)
    while position != -1:
        length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + length].decode() == name:
            struct.pack_into("<I", data, position + 24, size)
        position = data.find(b"PK\x01\x02", position + 46)
    Path(path).write_bytes(bytes(data))
    return path


def row_counts(app):
    with app.app_context():
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def stored_keys(app):
    """Every object in `app`'s storage (a local folder or an S3 bucket), temporary files too."""
    with app.app_context():
        storage = get_storage()
        if hasattr(storage, "root"):
            return sorted(str(p) for p in Path(storage.root).rglob("*") if p.is_file())
        pages = storage.client.get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in pages.paginate(Bucket=storage.bucket)
            for item in page.get("Contents", ())
        )


def bytes_written():
    """Bytes this process has written so far, by the kernel's count (/proc/self/io)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")
