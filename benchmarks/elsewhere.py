"""A file with a breakpoint that is never hit, away from the hot code."""


def never_called() -> None:
    print("never")  # the breakpoint that is never hit, other file
