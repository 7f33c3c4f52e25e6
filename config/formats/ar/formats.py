"""Arabic dates and numbers in the service's one display style (decision 0031, 0036):
"9 ديسمبر 2026", "9 ديسمبر 2026، 14:05 UTC", the 24-hour clock, Western digits.

Django's Arabic formats use a 12-hour clock and "." between thousands with "," for decimals; the
service keeps one clock for everyone and writes numbers with Western digits the way Arabic
interfaces that use them do: "1,234.5" (comma between thousands, point for decimals), so a band
score reads "6.5" as on the Statement of Results.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i T"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 6  # السبت
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
