"""A program that starts the editor's server itself, allstop.listen(0) in code, says its port,
waits for the editor, then stops in a worker at allstop.breakpoint()."""

import threading

import allstop

host, port = allstop.listen(0)
print(f"listening on {host}:{port}", flush=True)
assert allstop.listen(port, host, wait_for_client=True) == (host, port)  # the same server


def work() -> None:
    answer = 42
    allstop.breakpoint()
    print(f"answer {answer}", flush=True)  # where the editor shows the worker


worker = threading.Thread(target=work, name="worker")
worker.start()
worker.join()
print("the end", flush=True)
