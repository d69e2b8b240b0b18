namespace ConnectorHealth.Alerting.Windows;

/// <summary>
/// A <see cref="TimeIntervalOptions"/> parsed once: the fields as bit masks and sorted minute ranges, the time zone
/// resolved. Like Alertmanager, it converts an instant to the wall clock in <see cref="Location"/> and compares that
/// clock: in the hour a daylight-saving change skips (spring) the skipped wall times never occur, so a stretch that lies
/// wholly in it never matches that day and one that straddles it matches from the jump; in the hour that repeats
/// (autumn) a stretch inside it matches twice, once at each pass of the clock.
/// </summary>
public sealed class TimeInterval
{
    private const int MinutesPerDay = 24 * 60;
    private const int AllWeekdays = 0b111_1111;
    private const int AllMonths = 0b1_1111_1111_1110;

    // Sorted, merged stretches [Start, End) in minutes of the day; null when the whole day matches.
    private readonly (int Start, int End)[]? times;

    // Bit 0 is sunday.
    private readonly int weekdays;

    // Bit m is month m.
    private readonly int months;

    // The matching days (bit d is day d), by the month's length: index 0 for 28 days to 3 for 31. Null when any day matches.
    private readonly uint[]? daysByMonthLength;

    private readonly (int From, int To)[]? years;

    private readonly bool offsetChanges;

    internal TimeInterval(
        List<(int Start, int End)>? times,
        List<(int From, int To)>? weekdays,
        List<(int From, int To)>? daysOfMonth,
        List<(int From, int To)>? months,
        List<(int From, int To)>? years,
        TimeZoneInfo location)
    {
        this.times = Merge(times);
        this.weekdays = weekdays is null ? AllWeekdays : Mask(weekdays);
        this.months = months is null ? AllMonths : Mask(months);
        daysByMonthLength = daysOfMonth is null ? null : [.. Enumerable.Range(28, 4).Select(length => DayMask(daysOfMonth, length))];
        this.years = years?.ToArray();
        Location = location;
        offsetChanges = location.GetAdjustmentRules().Length > 0;
    }

    /// <summary>The time zone whose wall clock the interval is written in.</summary>
    public TimeZoneInfo Location { get; }

    /// <summary>Parses the options; throws <see cref="ArgumentException"/> naming every bad value.</summary>
    public static TimeInterval Parse(TimeIntervalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<TimeIntervalProblem>();
        return TimeIntervalParser.Parse(options, problems)
            ?? throw new ArgumentException($"The time interval is not valid: {string.Join("; ", problems)}", nameof(options));
    }

    /// <summary>Whether the instant's wall-clock time in <see cref="Location"/> matches every field that is set.</summary>
    public bool Contains(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Location);
        return DayMatches(DateOnly.FromDateTime(local.DateTime)) && MinuteMatches(local.Hour * 60 + local.Minute);
    }

    // The first whole minute after t at which Contains may change (no later than limit plus a minute): Contains holds the
    // same value from t until then. Between two changes of the zone's offset the wall clock runs with the instant, so
    // the next change is the next edge of a stretch or of a matching run of days, mapped back with the current offset;
    // an offset change comes first if there is one.
    internal DateTimeOffset NextPossibleChange(DateTimeOffset t, DateTimeOffset limit)
    {
        var local = TimeZoneInfo.ConvertTime(t, Location);
        var offset = local.Offset;
        var pastLimit = limit.AddMinutes(1);
        var lastDay = DateOnly.FromDateTime(limit.ToOffset(offset).DateTime).AddDays(1);
        var wall = NextWallClockEdge(DateOnly.FromDateTime(local.DateTime), local.Hour * 60 + local.Minute, lastDay);
        var candidate = wall is { } w && new DateTimeOffset(w, offset) is var edge && edge < pastLimit ? edge : pastLimit;
        return offsetChanges && OffsetChanges.First(Location, t, candidate) is { } change ? change : candidate;
    }

    private DateTime? NextWallClockEdge(DateOnly day, int minute, DateOnly lastDay)
    {
        if (DayMatches(day))
        {
            if (times is null)
            {
                return NextDay(day, lastDay, matching: false) is { } end ? At(end, 0) : null;
            }
            foreach (var (start, end) in times)
            {
                if (minute < start)
                {
                    return At(day, start);
                }
                if (minute < end)
                {
                    return At(day, end);
                }
            }
        }
        return NextDay(day, lastDay, matching: true) is { } next ? At(next, times?[0].Start ?? 0) : null;
    }

    private static DateTime At(DateOnly day, int minute) => day.ToDateTime(TimeOnly.MinValue).AddMinutes(minute);

    // The first day after `after`, up to lastDay, that matches (or does not); whole years and months are skipped when
    // they cannot match.
    private DateOnly? NextDay(DateOnly after, DateOnly lastDay, bool matching)
    {
        var day = after.AddDays(1);
        while (day <= lastDay)
        {
            if (matching && !YearMatches(day.Year))
            {
                day = new DateOnly(day.Year, 1, 1).AddYears(1);
            }
            else if (matching && (months >> day.Month & 1) == 0)
            {
                day = new DateOnly(day.Year, day.Month, 1).AddMonths(1);
            }
            else if (DayMatches(day) == matching)
            {
                return day;
            }
            else
            {
                day = day.AddDays(1);
            }
        }
        return null;
    }

    private bool DayMatches(DateOnly day) =>
        YearMatches(day.Year)
        && (months >> day.Month & 1) != 0
        && (weekdays >> (int)day.DayOfWeek & 1) != 0
        && (daysByMonthLength is null || (daysByMonthLength[DateTime.DaysInMonth(day.Year, day.Month) - 28] >> day.Day & 1) != 0);

    private bool YearMatches(int year)
    {
        if (years is null)
        {
            return true;
        }
        foreach (var (from, to) in years)
        {
            if (year >= from && year <= to)
            {
                return true;
            }
        }
        return false;
    }

    private bool MinuteMatches(int minute)
    {
        if (times is null)
        {
            return true;
        }
        foreach (var (start, end) in times)
        {
            if (minute < start)
            {
                return false;
            }
            if (minute < end)
            {
                return true;
            }
        }
        return false;
    }

    private static (int Start, int End)[]? Merge(List<(int Start, int End)>? times)
    {
        if (times is null)
        {
            return null;
        }
        var merged = new List<(int Start, int End)>();
        foreach (var (start, end) in times.OrderBy(t => t.Start))
        {
            if (merged.Count > 0 && start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, end));
            }
            else
            {
                merged.Add((start, end));
            }
        }
        return merged is [(0, MinutesPerDay)] ? null : [.. merged];
    }

    private static int Mask(List<(int From, int To)> ranges)
    {
        var mask = 0;
        foreach (var (from, to) in ranges)
        {
            for (var i = from; i <= to; i++)
            {
                mask |= 1 << i;
            }
        }
        return mask;
    }

    // Alertmanager's reading of a day range in a month of the given length: negative days count back from the last
    // day, a range that starts after the month's end is skipped, and one that runs past either end is clamped.
    private static uint DayMask(List<(int From, int To)> ranges, int monthLength)
    {
        var mask = 0u;
        foreach (var (from, to) in ranges)
        {
            var first = Math.Max(from < 0 ? monthLength + from + 1 : from, 1);
            var last = Math.Min(to < 0 ? monthLength + to + 1 : to, monthLength);
            for (var day = first; day <= last; day++)
            {
                mask |= 1u << day;
            }
        }
        return mask;
    }
}
