"""Dates written the way English and French radiology reports write them."""

from __future__ import annotations

import datetime as dt

import numpy as np

EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
FR_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def date_forms(date: dt.date, english: bool) -> list[str]:
    """Every day-precise form the reports use (`March 4, 2021`, `04/03/2021`, `4 mars 2021`, ...)."""
    d, m, y = date.day, date.month, date.year
    if english:
        forms = [
            f"{EN_MONTHS[m - 1]} {d}, {y}",
            f"{d} {EN_MONTHS[m - 1]} {y}",
            date.isoformat(),
            f"{d:02d}-{EN_MONTHS[m - 1][:3]}-{y}",
        ]
    else:
        day = "1er" if d == 1 else str(d)
        forms = [
            f"{d:02d}/{m:02d}/{y}",
            f"{day} {FR_MONTHS[m - 1]} {y}",
            f"{d:02d}.{m:02d}.{y}",
            f"{d:02d}/{m:02d}/{y % 100:02d}",
        ]
    return forms


def format_date(date: dt.date, english: bool, g: np.random.Generator) -> str:
    """One of `date_forms`, drawn from `g`."""
    forms = date_forms(date, english)
    return forms[int(g.integers(len(forms)))]


def format_month(date: dt.date, english: bool) -> str:
    """Month precision (`March 2019`, `mars 2019`), used for treatment history."""
    months = EN_MONTHS if english else FR_MONTHS
    return f"{months[date.month - 1]} {date.year}"
