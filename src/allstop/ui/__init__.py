"""Front ends: each one is a ``SessionIO`` (message / error / read_command) for the session."""
