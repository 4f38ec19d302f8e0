"""German as the cities write it: "2. Dezember 2026, 18:00" (a comma before the time).

Only what differs from Django's "de" is set; the rest falls back to it.
"""

DATETIME_FORMAT = "j. F Y, H:i"
