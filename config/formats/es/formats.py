"""Spanish dates and numbers in the service's one display style (decision 0031, 0036):
"9 de diciembre de 2026", the 24-hour clock, no abbreviated or all-numeric dates.

Numbers: Django's Spanish separators (decimal comma, a non-breaking space between thousands).
"""

DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i T"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
YEAR_MONTH_FORMAT = r"F \d\e Y"
FIRST_DAY_OF_WEEK = 1  # lunes
