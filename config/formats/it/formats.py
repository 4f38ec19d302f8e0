"""Italian dates without a leading zero or weekday: "2 dicembre 2026, 18:00" (the weekday is
added where it helps, e.g. session times). Only what differs from Django's "it" is set."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
