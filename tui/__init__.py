"""The terminal UI (Textual), built over `search/` only. Empty until the TUI lands."""
