"""Calls breakpoint() once, then prints what it computed."""

value = 41
breakpoint()
value += 1
print("value", value)
