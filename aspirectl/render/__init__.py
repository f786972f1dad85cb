"""Result objects in, text out. Pure functions; Rich is imported only for TTY tables."""
