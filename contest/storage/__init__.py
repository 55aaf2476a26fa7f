"""Stored files: the Asset model now; the storage backends (local, S3) come with submissions."""
