# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read ahead: run a generator (a paged search) in a background thread, a bounded number of
items ahead of the consumer. The DC works on the next page while this process decodes and uses
the current one; ldap3's synchronous paged search otherwise waits for each page in turn. The
connection the generator uses must not be used by anyone else until it is exhausted or closed.
Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import queue
import threading

_DONE = object()


class _Failed(object):
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def prefetch(items, ahead=2000):
    """Yield what `items` yields, produced by a thread that stays up to `ahead` items ahead
    (about two pages). An exception in the producer is raised here, in the consumer."""
    handoff = queue.Queue(maxsize=max(1, ahead // 100))
    stop = threading.Event()

    def put(value):
        """False when the consumer has gone away."""
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        batch = []
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= 100:
                    if not put(batch):
                        return
                    batch = []
            if not batch or put(batch):
                put(_DONE)
        except Exception as exc:  # handed to the consumer, which raises it
            put(_Failed(exc))

    worker = threading.Thread(target=produce, name="adremedy-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            batch = handoff.get()
            if batch is _DONE:
                return
            if isinstance(batch, _Failed):
                raise batch.exc
            yield from batch
    finally:
        stop.set()
        worker.join(timeout=5)


class Background(object):
    """A function running in a thread (on its own connection); result() waits for it and
    raises what it raised."""

    def __init__(self, function):
        self._result = None
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(function,),
                                        name="adremedy-background", daemon=True)
        self._thread.start()

    def _run(self, function):
        try:
            self._result = function()
        except Exception as exc:  # raised in result()
            self._error = exc

    def done(self):
        return not self._thread.is_alive()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
