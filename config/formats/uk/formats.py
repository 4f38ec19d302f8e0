"""Ukrainian dates without a leading zero: "2 грудня 2026 р., 18:00".
Only what differs from Django's "uk" is set."""

DATE_FORMAT = "j E Y р."
DATETIME_FORMAT = "j E Y р., H:i"
