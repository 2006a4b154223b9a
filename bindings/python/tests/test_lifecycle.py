"""Interpreter exit and signals: things only a separate process can show."""

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import WAIT

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")

needs_library = pytest.mark.skipif(not os.environ.get("ASYNCKIT_LIBRARY"), reason="ASYNCKIT_LIBRARY is not set")


def run_script(code):
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=WAIT)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@needs_library
def test_exiting_with_work_queued_finishes_it_and_exits_cleanly():
    code, out, err = run_script(
        """
        import threading, asynckit
        pool = asynckit.Pool(worker_count=1)
        leaving = threading.Event()
        pool.do(leaving.wait, 60)              # holds the only worker until the script ends
        for i in range(3):
            pool.do(print, "ran", i, flush=True)
        gate = asynckit.AsyncValue()
        pool.do(print, "never", gate)          # waits for a value nobody sets
        gate.chain(print, "never either")
        print("leaving", flush=True)
        leaving.set()
        """
    )
    assert code == 0, err
    assert out.splitlines() == ["leaving", "ran 0", "ran 1", "ran 2"]
    assert "Traceback" not in err and "Exception ignored" not in err


@needs_library
def test_exiting_while_values_and_chains_are_alive_is_clean():
    code, out, err = run_script(
        """
        import asynckit
        pool = asynckit.Pool(worker_count=2)
        values = [pool.do(pow, 2, i).chain(abs, -i) for i in range(100)]
        failed = pool.do(int, "x")
        lst = asynckit.AsyncList(values + [failed])
        failed.wait(60)
        print(values[-1].get(60), lst.is_error(), flush=True)
        """
    )
    assert code == 0, err
    assert out.strip() == "99 True"
    assert "Traceback" not in err and "Exception ignored" not in err


@needs_library
def test_ctrl_c_interrupts_a_main_thread_waiting_forever():
    code, out, err = run_script(
        """
        import _thread, sys, threading, time, asynckit

        def interrupt_once_main_waits():
            main = threading.main_thread().ident
            for _ in range(60000):  # until the main thread is inside get(), bounded
                frame = sys._current_frames().get(main)
                names = set()
                while frame is not None:
                    names.add(frame.f_code.co_name)
                    frame = frame.f_back
                if "_blocking" in names:
                    break
                time.sleep(0.001)
            _thread.interrupt_main()

        threading.Thread(target=interrupt_once_main_waits, daemon=True).start()
        try:
            asynckit.AsyncValue().get(True)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    assert code == 0, err
    assert out.strip() == "interrupted"
