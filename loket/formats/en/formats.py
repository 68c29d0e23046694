"""The desk's dates in English: "28 Nov 2026 08:49" (see ../nl/formats.py)."""

DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M H:i"
SHORT_DATE_FORMAT = "j M Y"
