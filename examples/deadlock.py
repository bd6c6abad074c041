"""A lock-ordering deadlock: two threads take the same two locks in opposite orders.

    allstop run examples/deadlock.py &        # it hangs; then, from another shell:
    allstop pause <pid>                       # (or press Ctrl-\\ in its terminal)

In the session, 'waits' names the cycle: thread 2 waits for the RLock held by thread 3,
which waits for the RLock held by thread 2.
"""

import threading

accounts = threading.RLock()
ledger = threading.RLock()
both_hold_one = threading.Barrier(2)


def transfer() -> None:
    with accounts:
        both_hold_one.wait()
        with ledger:  # waits forever: audit holds the ledger
            print("transferred")


def audit() -> None:
    with ledger:
        both_hold_one.wait()
        with accounts:  # waits forever: transfer holds the accounts
            print("audited")


threads = [
    threading.Thread(target=transfer, name="transfer", daemon=True),
    threading.Thread(target=audit, name="audit", daemon=True),
]
for thread in threads:
    thread.start()
print("started", flush=True)
for thread in threads:
    thread.join()
