"""Resumable video uploads: tus 1.0 through the app, or presigned multipart straight to S3."""

from flask import Blueprint

bp = Blueprint("uploads", __name__, url_prefix="/uploads")
