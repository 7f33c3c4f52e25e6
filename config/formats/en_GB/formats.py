"""How Django writes a date or a time for people (``{{ value }}``, ``localize()``, the admin):
the same as ``rvs.core.dates`` ("9 December 2026", "9 December 2026, 14:05 UTC"; decision 0031).

Django's own en-GB formats ("9 Dec 2026", "9 Dec 2026, 2:05 p.m.") would be a second way of
writing a date. Input formats are left to Django's: the forms of the service take dates as three
boxes (``rvs.core.date_parts``) or ISO 8601.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i T"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i T"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1  # Monday
