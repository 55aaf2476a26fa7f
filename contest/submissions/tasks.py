"""The media pipeline's background job: process an uploaded video (contest.submissions.pipeline)."""

from flask import current_app

from contest import jobs
from contest.extensions import db
from contest.submissions import pipeline


def _report_failure(entry_id, asset_id, error=None):
    pipeline.report_failure(db.session, entry_id, asset_id, error)


@jobs.task(on_final_failure=_report_failure)
def process_video(entry_id, asset_id):
    """Turn upload `asset_id` into `entry_id`'s web video and poster, or tell the school why not."""
    timeout = current_app.config["TRANSCODE_TIMEOUT_SECONDS"]
    return pipeline.process_upload(db.session, entry_id, asset_id, timeout=timeout)


@jobs.on_consumer_start
def requeue_stranded_videos():
    """Queue again every upload an entry waits on that is not in the queue: a job lost with a
    crashed process would otherwise leave its entry "processing" for ever. A job queued twice
    is harmless: the second finds the entry no longer waiting and does nothing."""
    queued = {
        tuple(task.args)
        for task in [*jobs.huey.pending(), *jobs.huey.scheduled()]
        if isinstance(task, process_video.task_class)
    }
    stranded = [ids for ids in pipeline.stranded_videos(db.session) if ids not in queued]
    for entry_id, asset_id in stranded:
        jobs.enqueue(process_video, entry_id, asset_id)
    return stranded
