# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read ahead: run generators (paged searches) in background threads, a bounded number of pages
ahead of the consumer. The DC works on the next page while this process decodes and uses the
current one (ldap3's synchronous paged search otherwise waits for each page in turn), and
several searches on their own connections are served by the DC at once. A connection a
generator uses must not be used by anyone else until it is exhausted or closed. Private."""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterable, Iterator, Sequence

_DONE = object()
# How often a waiting side looks at whether the other side has gone away (seconds).
_POLL = 0.5


class _Failed:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Producer:
    """One generator of pages in a thread, handing them over through a queue of `ahead`."""

    def __init__(self, pages: Iterable[Sequence[Any]], ahead: int, stop: threading.Event) -> None:
        self.handoff: queue.Queue = queue.Queue(maxsize=max(1, ahead))
        self.stop = stop
        self.thread = threading.Thread(target=self._produce, args=(pages,),
                                       name="adremedy-prefetch", daemon=True)
        self.thread.start()

    def _put(self, value: Any) -> bool:
        """False when the consumer has gone away."""
        while not self.stop.is_set():
            try:
                self.handoff.put(value, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, pages: Iterable[Sequence[Any]]) -> None:
        try:
            for page in pages:
                if not self._put(page):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(_Failed(exc))

    def next_page(self) -> Any:
        """The next page, _DONE, or the producer's exception raised. Waits only while the
        producer lives (each of its requests is bounded by operation_timeout)."""
        while True:
            try:
                value = self.handoff.get(timeout=_POLL)
            except queue.Empty:
                if self.thread.is_alive() or not self.handoff.empty():
                    continue
                raise RuntimeError("a background read ended without handing over its result")
            if isinstance(value, _Failed):
                raise value.exc
            return value


def interleave(sources: Sequence[Iterable[Sequence[Any]]], ahead: int = 1) -> Iterator[Any]:
    """The items of the pages the sources yield, each source run in its own thread up to
    `ahead` pages ahead, taken a page from each in turn (the order is the same on every run
    over the same data). The first exception of a source is raised here; the other threads
    are then told to stop."""
    stop = threading.Event()
    producers = [_Producer(source, ahead, stop) for source in sources]
    try:
        active = list(producers)
        while active:
            for producer in list(active):
                page = producer.next_page()
                if page is _DONE:
                    active.remove(producer)
                else:
                    yield from page
    finally:
        stop.set()
        for producer in producers:
            producer.thread.join(timeout=5)


def batches(items: Iterable[Any], size: int = 100) -> Iterator[list[Any]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def prefetch(items: Iterable[Any], ahead: int = 2000) -> Iterator[Any]:
    """Yield what `items` yields, produced by a thread that stays up to `ahead` items ahead
    (about two pages). An exception in the producer is raised here, in the consumer."""
    return interleave([batches(items)], ahead=max(1, ahead // 100))


class Background:
    """A function running in a thread (on its own connection); result() waits for it and
    raises what it raised."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self._result = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(function,),
                                        name="adremedy-background", daemon=True)
        self._thread.start()

    def _run(self, function: Callable[[], Any]) -> None:
        try:
            self._result = function()
        except Exception as exc:  # raised in result()
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result
