"""What an SMS costs: GSM-7 160/153, UCS-2 70/67, the extension table counted double, and a pair
never split over two parts."""

from __future__ import annotations

import pytest

from loket.integrations.sms.segments import GSM7, UCS2, segments


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "units"),
    [
        ("", GSM7, 0, 0),
        ("Goedemiddag, de nieuwe bank komt dinsdag tussen 8:00 en 12:00.", GSM7, 1, 62),
        ("x" * 160, GSM7, 1, 160),
        ("x" * 161, GSM7, 2, 161),
        ("x" * 306, GSM7, 2, 306),
        ("x" * 307, GSM7, 3, 307),
        # é and è are in the GSM alphabet: a Dutch "café" stays GSM-7.
        ("Het café is geopend; één bezoek is genoeg.", GSM7, 1, 42),
        # € is in the extension table: two septets each.
        ("De bank kost €899,-", GSM7, 1, 20),
        ("€" * 80, GSM7, 1, 160),
        ("€" * 81, GSM7, 2, 162),
        # ë, ï, ç, ê and ó are not: the whole message goes UCS-2.
        ("De financiële afhandeling volgt.", UCS2, 1, 32),
        ("Ça va? Één moment.", GSM7, 1, 18),  # Ç, É and é are GSM
        ("Een crème brûlée na het eten?", UCS2, 1, 29),
        ("ë" * 70, UCS2, 1, 70),
        ("ë" * 71, UCS2, 2, 71),
        ("ë" * 134, UCS2, 2, 134),
        ("ë" * 135, UCS2, 3, 135),
        # An emoji outside the BMP is two UTF-16 code units.
        ("Bedankt! 👍", UCS2, 1, 11),
        ("👍" * 35, UCS2, 1, 70),
        ("👍" * 36, UCS2, 2, 72),
    ],
)
def test_encoding_parts_and_length(text, encoding, parts, units):
    count = segments(text)
    assert (count.encoding, count.parts, count.units) == (encoding, parts, units)


def test_an_extension_character_is_never_split_over_two_parts():
    # 152 plain characters then €: 154 septets, but € (two septets) does not fit in part one's
    # last septet, so it starts part two; with 152 + € + 152 + €, a third part is needed.
    assert segments("x" * 152 + "€" + "x" * 151).parts == 2
    assert segments("x" * 152 + "€" + "x" * 152).parts == 3


def test_an_emoji_is_never_split_over_two_parts():
    assert segments("x" * 66 + "👍" + "x" * 66).parts == 3
    assert segments("x" * 65 + "👍" + "x" * 67).parts == 2


def test_per_part_says_what_one_part_holds_at_this_length():
    assert segments("Hallo").per_part == 160
    assert segments("x" * 200).per_part == 153
    assert segments("Hallo 😀").per_part == 70
    assert segments("😀" * 50).per_part == 67


def test_more_than_ten_parts_is_too_long():
    assert not segments("x" * 1530).too_long
    assert segments("x" * 1531).too_long
    assert not segments("ë" * 670).too_long
    assert segments("ë" * 671).too_long
