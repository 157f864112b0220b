"""Read-ahead threads: what the consumer gets, in which order, and what happens on failure."""

import threading
import time

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _prefetch


def pages(name, count, size=2, fail_at=None):
    for number in range(count):
        if number == fail_at:
            raise ValueError("%s failed at page %d" % (name, number))
        yield ["%s%d.%d" % (name, number, i) for i in range(size)]


def test_interleave_takes_a_page_from_each_source_in_turn_until_all_end():
    got = list(_prefetch.interleave([pages("a", 3), pages("b", 1), pages("c", 2)]))
    assert got == ["a0.0", "a0.1", "b0.0", "b0.1", "c0.0", "c0.1",
                   "a1.0", "a1.1", "c1.0", "c1.1", "a2.0", "a2.1"]


def test_interleave_order_is_the_same_on_every_run_whatever_the_threads_timing():
    def slow(name, count, delay):
        for page in pages(name, count):
            time.sleep(delay)
            yield page
    first = list(_prefetch.interleave([slow("a", 3, 0.02), slow("b", 3, 0.0)]))
    second = list(_prefetch.interleave([slow("a", 3, 0.0), slow("b", 3, 0.02)]))
    assert first == second


def test_a_source_failure_is_raised_in_the_consumer_with_its_own_message():
    with pytest.raises(ValueError, match="b failed at page 1"):
        list(_prefetch.interleave([pages("a", 5), pages("b", 5, fail_at=1)]))


def test_a_consumer_that_stops_early_stops_the_threads():
    produced = []

    def endless(name):
        number = 0
        while True:
            produced.append(number)
            yield ["%s%d" % (name, number)]
            number += 1
    before = threading.active_count()
    reader = _prefetch.interleave([endless("a"), endless("b")])
    assert next(reader) == "a0"
    reader.close()
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
    assert len(produced) < 10  # each thread stayed at most `ahead` pages ahead


def test_prefetch_yields_every_item_in_order():
    assert list(_prefetch.prefetch(iter(range(1234)))) == list(range(1234))


def test_a_producer_that_vanishes_is_an_error_not_a_hang(monkeypatch):
    monkeypatch.setattr(_prefetch, "_POLL", 0.05)
    stop = threading.Event()
    producer = _prefetch._Producer(iter([]), 1, stop)
    producer.thread.join()
    producer.handoff.get()  # take away its _DONE, as if it had died before handing it over
    with pytest.raises(RuntimeError, match="ended without handing over"):
        producer.next_page()
