from datetime import date

import pytest

from domain.plan.dates import OfficeDateError, parse_deadline, parse_office_date


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2023年10月15日", None, date(2023, 10, 15)),
        ("2023 年 10 月 15 日", None, date(2023, 10, 15)),
        ("２０２３年１０月１５日", None, date(2023, 10, 15)),  # full-width digits
        ("2023-10-15", None, date(2023, 10, 15)),
        ("2023/10/15", None, date(2023, 10, 15)),
        ("2023.10.15", None, date(2023, 10, 15)),
        ("20231015", None, date(2023, 10, 15)),
        ("2019年9月30前", None, date(2019, 9, 30)),  # as 昭化's report writes it
        ("2023年10月底", None, date(2023, 10, 31)),
        ("10月底", 2023, date(2023, 10, 31)),
        ("2月底", 2024, date(2024, 2, 29)),
        ("10月末", 2023, date(2023, 10, 31)),
        ("10月中旬", 2023, date(2023, 10, 20)),
        ("10月上旬", 2023, date(2023, 10, 10)),
        ("10月15日", 2023, date(2023, 10, 15)),
        ("2023年10月", None, date(2023, 10, 31)),
    ],
)
def test_office_dates(text: str, year: int | None, expected: date) -> None:
    assert parse_office_date(text, year=year) == expected


@pytest.mark.parametrize(
    ("text", "year", "reason"),
    [
        ("10月底", None, "年份"),
        ("10月15日", None, "年份"),
        ("2023年13月1日", None, "不存在"),
        ("2023年2月30日", None, "不存在"),
        ("尽快", 2023, "应为日期"),
        ("", 2023, "应为日期"),
    ],
)
def test_bad_dates_say_why(text: str, year: int | None, reason: str) -> None:
    with pytest.raises(OfficeDateError) as caught:
        parse_office_date(text, year=year)
    assert reason in str(caught.value)
    assert text in str(caught.value)


def test_deadline_with_ongoing_duty() -> None:
    deadline = parse_deadline("2019年9月30日前,并长期坚持")
    assert (deadline.due, deadline.ongoing) == (date(2019, 9, 30), True)


def test_ongoing_without_date() -> None:
    deadline = parse_deadline("长期坚持")
    assert (deadline.due, deadline.ongoing) == (None, True)


def test_plain_deadline_is_not_ongoing() -> None:
    assert parse_deadline("2023年10月15日").ongoing is False
