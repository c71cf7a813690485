"""The exit codes of every command (cli.md, "Exit codes")."""

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_OK", "EXIT_SUBMIT", "EXIT_USAGE"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SUBMIT = 3
EXIT_INTERNAL = 70
