"""Simplified Chinese dates in the service's one display style (decision 0031, 0036):
"2026年12月9日", "2026年12月9日 14:05 UTC"; numbers with Django's Chinese separators.
"""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i T"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "n月j日"
YEAR_MONTH_FORMAT = "Y年n月"
FIRST_DAY_OF_WEEK = 1  # 星期一
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3  # Django's Chinese formats group nothing: "12345"; Chinese interfaces write "12,345"
