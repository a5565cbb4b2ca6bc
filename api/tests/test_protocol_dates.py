"""The API's moments and dates read on the site's clock, whatever zone the value comes in."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from api.protocol import datetime_text, local_date_text

MOMENTS = [
    datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC),  # before BST starts
    datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=datetime.UTC),
    datetime.datetime(2026, 12, 31, 23, 30, 5, 500000, tzinfo=datetime.UTC),
    datetime.datetime(2026, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "Asia/Kolkata"])
def test_moments_and_dates_read_as_local_time_does(settings, zone):
    settings.TIME_ZONE = zone
    for moment in MOMENTS:
        local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
        assert datetime_text(moment) == local.strftime("%Y-%m-%d %H:%M:%S")
        assert local_date_text(moment) == local.date().isoformat()
