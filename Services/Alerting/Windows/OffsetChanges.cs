using System.Collections.Concurrent;

namespace ConnectorHealth.Alerting.Windows;

// The instants at which a time zone's UTC offset changes (daylight saving, a new standard offset), found once per zone
// and UTC year by reading the offset hour by hour and narrowing each change to its minute. Assumes, as every zone in
// the tz database since the 1970s, at most one change within an hour, at a whole minute.
internal static class OffsetChanges
{
    private static readonly ConcurrentDictionary<(string Zone, int Year), DateTimeOffset[]> ByYear = new();

    // The first change in (after, until].
    public static DateTimeOffset? First(TimeZoneInfo zone, DateTimeOffset after, DateTimeOffset until)
    {
        for (var year = after.UtcDateTime.Year; year <= until.UtcDateTime.Year; year++)
        {
            foreach (var change in ByYear.GetOrAdd((zone.Id, year), key => InYear(zone, key.Year)))
            {
                if (change > until)
                {
                    return null;
                }
                if (change > after)
                {
                    return change;
                }
            }
        }
        return null;
    }

    private static DateTimeOffset[] InYear(TimeZoneInfo zone, int year)
    {
        var changes = new List<DateTimeOffset>();
        var hour = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var end = hour.AddYears(1);
        var offset = zone.GetUtcOffset(hour);
        while (hour < end)
        {
            var next = hour.AddHours(1);
            var nextOffset = zone.GetUtcOffset(next);
            if (nextOffset != offset)
            {
                // The first minute in (hour, next] whose offset differs.
                var (low, high) = (0, 60);
                while (high - low > 1)
                {
                    var middle = (low + high) / 2;
                    (low, high) = zone.GetUtcOffset(hour.AddMinutes(middle)) == offset ? (middle, high) : (low, middle);
                }
                changes.Add(hour.AddMinutes(high));
                offset = nextOffset;
            }
            hour = next;
        }
        return [.. changes];
    }
}
