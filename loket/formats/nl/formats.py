"""The desk's dates in Dutch: "28 nov 2026 08:49". Django's ``M`` writes "Nov" (title case),
which Dutch does not; ``b`` is the lower-case abbreviation. Templates use these names."""

DATETIME_FORMAT = "j b Y H:i"
SHORT_DATETIME_FORMAT = "j b H:i"
SHORT_DATE_FORMAT = "j b Y"
