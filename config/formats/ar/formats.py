"""Arabic: day, month name, year and a 24-hour clock, as the cities' own programmes show times —
"2 ديسمبر 2026، 18:00".

Digits stay Western (0–9), as in Django's own "ar" formats and as Arabic is usually written in
Europe and the Maghreb: the times, seat counts and codes a reader compares with posters, tickets
and the room screen look the same. Django never substitutes Arabic-Indic digits; the scripts
format numbers with ``numberingSystem: "latn"`` to match. See docs/i18n.md.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y، H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
