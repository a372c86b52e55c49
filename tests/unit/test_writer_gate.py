"""Writers of one SQLite file take turns: across threads, and across processes (two gates on
one file stand for two processes: each has its own open file, as each process would)."""

from __future__ import annotations

import threading
import time

import pytest

from tracker.domain.errors import Busy
from tracker.store.writer_gate import WriterGate


def test_a_second_gate_on_the_same_file_waits_for_the_first(tmp_path):
    first, second = WriterGate(str(tmp_path / "db")), WriterGate(str(tmp_path / "db"))
    order: list[str] = []
    entered = threading.Event()

    def other_process() -> None:
        entered.set()
        with second:
            order.append("second in")

    with first:
        thread = threading.Thread(target=other_process)
        thread.start()
        entered.wait()
        time.sleep(0.2)  # time enough to get in, were it not held
        order.append("first out")
    thread.join(5)
    assert order == ["first out", "second in"]
    first.close()
    second.close()


def test_threads_take_turns_one_at_a_time(tmp_path):
    gate = WriterGate(str(tmp_path / "db"))
    inside = 0
    most = 0
    count = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        for _ in range(20):
            with gate:
                with count:
                    inside += 1
                    most = max(most, inside)
                time.sleep(0.001)
                with count:
                    inside -= 1

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most == 1
    gate.close()


def test_a_writer_that_waits_too_long_is_refused(tmp_path, monkeypatch):
    gate = WriterGate(str(tmp_path / "db"))
    monkeypatch.setattr(WriterGate, "WAIT", 0.1)
    with gate:
        refused: list[BaseException] = []
        thread = threading.Thread(target=lambda: _enter(gate, refused))
        thread.start()
        thread.join(5)
    assert len(refused) == 1
    assert isinstance(refused[0], Busy)
    with gate:  # the refusal left the gate as it was
        pass
    gate.close()


def _enter(gate: WriterGate, refused: list[BaseException]) -> None:
    with pytest.raises(Busy) as caught, gate:
        pass
    refused.append(caught.value)
