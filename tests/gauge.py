"""A gauge of how many threads run a block at once, shared by the tests that bound concurrency."""

import threading


class Gauge:
    """``with gauge:`` around the work: ``running`` counts the threads inside, ``peak`` keeps the
    most there have been at one time."""

    def __init__(self):
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def __enter__(self):
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        return self

    def __exit__(self, *exc):
        with self._lock:
            self.running -= 1
