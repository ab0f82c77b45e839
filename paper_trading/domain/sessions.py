"""Trading-day boundaries: 17:00 New York (DAY expiry, swap rollover, the FX weekend)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")
ROLLOVER = time(17, 0)
WEDNESDAY = 2


def next_rollover(after: datetime) -> datetime:
    """The first 17:00 New York strictly after `after`, in UTC (DST handled by zoneinfo)."""
    local = after.astimezone(NEW_YORK)
    candidate = datetime.combine(local.date(), ROLLOVER, tzinfo=NEW_YORK)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), ROLLOVER, tzinfo=NEW_YORK)
    return candidate.astimezone(UTC)


def rollovers_between(start: datetime, end: datetime, *, weekends: bool = False) -> list[datetime]:
    """17:00 New York instants in (start, end]; Saturday and Sunday skipped unless `weekends`."""
    found = []
    moment = next_rollover(start)
    while moment <= end:
        if is_trading_rollover(moment, weekends=weekends):
            found.append(moment)
        moment = next_rollover(moment)
    return found


def is_trading_rollover(rollover: datetime, *, weekends: bool = False) -> bool:
    """Saturday's and Sunday's 17:00 New York roll nothing for markets closed at weekends:
    Wednesday's triple swap pays for the weekend."""
    return weekends or rollover.astimezone(NEW_YORK).weekday() < 5


def swap_multiplier(rollover: datetime, *, weekends: bool = False) -> int:
    """Wednesday's rollover books three nights (the weekend), MT5 style; 24/7 markets book one."""
    if weekends:
        return 1
    return 3 if rollover.astimezone(NEW_YORK).weekday() == WEDNESDAY else 1


def start_of_utc_day(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def market_closed(instrument, now: datetime) -> bool:
    """FX and metals close from Friday 17:00 to Sunday 17:00 New York time; crypto never."""
    if instrument.trades_weekends:
        return False
    local = now.astimezone(NEW_YORK)
    weekday, hour = local.weekday(), local.hour
    return (weekday == 4 and hour >= 17) or weekday == 5 or (weekday == 6 and hour < 17)
