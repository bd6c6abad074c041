"""The full-screen terminal UI (prompt_toolkit): imported only when a terminal is used."""
