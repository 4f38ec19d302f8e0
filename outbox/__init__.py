"""Outgoing email and background work: the queue of rendered emails, and ``dispatch``, the one
place that decides how a task runs (in a worker, on a background thread, or right here)."""
