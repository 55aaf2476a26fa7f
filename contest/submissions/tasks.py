"""The media pipeline's background job: process an uploaded video (contest.submissions.pipeline).

A heavy video (more decoded pixels than VIDEO_HEAVY_PIXELS, about a minute of 1080p at 30 fps)
may take minutes. A worker process transcodes at most VIDEO_HEAVY_JOBS of them at once; one that
finds them all busy goes back to the queue for VIDEO_HEAVY_RETRY_SECONDS, so with more worker
threads than that (`flask worker` and `serve` run 2) a thread is always free for ordinary clips.
"""

import threading
from contextlib import contextmanager

from flask import current_app
from huey.exceptions import RetryTask

from contest.core import jobs
from contest.core.extensions import db
from contest.core.statuses import Processing
from contest.submissions import media, pipeline


class HeavyLane:
    """How many heavy videos this process transcodes at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self.running = 0

    @contextmanager
    def admit(self, found, heavy_pixels, slots):
        """The block runs the transcode of `found`; pipeline.Deferred if it is heavy and the
        `slots` heavy videos this process may run are all taken."""
        heavy = found.decoded_pixels > heavy_pixels
        if heavy:
            with self._lock:
                if self.running >= slots:
                    raise pipeline.Deferred
                self.running += 1
        try:
            yield
        finally:
            if heavy:
                with self._lock:
                    self.running -= 1


heavy_lane = HeavyLane()


def _report_failure(entry_id, asset_id, error=None):
    pipeline.report_failure(db.session, entry_id, asset_id, error)


@jobs.task(on_final_failure=_report_failure)
def process_video(entry_id, asset_id):
    """Turn upload `asset_id` into `entry_id`'s web video and poster, or tell the school why not.

    A heavy video deferred for lack of a free slot is tried again later; that is not a failed
    attempt. In immediate mode (tests) nothing runs beside the job, so nothing is deferred.
    """
    config = current_app.config
    admit = None
    if not jobs.huey.immediate:

        def admit(found):
            return heavy_lane.admit(found, config["VIDEO_HEAVY_PIXELS"], config["VIDEO_HEAVY_JOBS"])

    outcome = pipeline.process_upload(
        db.session, entry_id, asset_id, limits=media.Limits.from_config(config), admit=admit
    )
    if outcome == Processing.DEFERRED:
        raise RetryTask(delay=config["VIDEO_HEAVY_RETRY_SECONDS"])
    return outcome


@jobs.on_consumer_start
def requeue_stranded_videos():
    """Queue again every upload an entry waits on that is not in the queue: a job lost with a
    crashed process would otherwise leave its entry processing for ever. A job queued twice
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
