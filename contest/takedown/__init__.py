"""Takedown: the public reports a video; organizers hide it at once, with a reason."""
