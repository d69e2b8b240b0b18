using System.Globalization;

namespace ConnectorHealth.Alerting.Windows;

// Turns the configured strings into a TimeInterval, or says what is wrong with each bad value. The checks follow
// Alertmanager's (timeinterval.go), except that months must be 1 to 12 and years 1 to 9999, and that a day range is
// checked against a real 28-day month (Alertmanager, off by one, refuses "28:-1", the 28th to the last day).
internal static class TimeIntervalParser
{
    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private static readonly string[] MonthNames =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    public static TimeInterval? Parse(TimeIntervalOptions options, List<TimeIntervalProblem> problems)
    {
        var before = problems.Count;
        var times = ParseTimes(options.Times, problems);
        var weekdays = ParseRanges(options.Weekdays, nameof(TimeIntervalOptions.Weekdays), Weekday, CheckWeekdays, problems);
        var days = ParseRanges(options.DaysOfMonth, nameof(TimeIntervalOptions.DaysOfMonth), DayOfMonth, CheckDays, problems);
        var months = ParseRanges(options.Months, nameof(TimeIntervalOptions.Months), Month, CheckOrder, problems);
        var years = ParseRanges(options.Years, nameof(TimeIntervalOptions.Years), Year, CheckOrder, problems);
        var zone = ParseLocation(options.Location, problems);
        return problems.Count > before || zone is null ? null : new TimeInterval(times, weekdays, days, months, years, zone);
    }

    private static List<(int Start, int End)>? ParseTimes(List<TimeRangeOptions>? times, List<TimeIntervalProblem> problems)
    {
        if (times is null || times.Count == 0)
        {
            return null;
        }
        var parsed = new List<(int, int)>();
        for (var i = 0; i < times.Count; i++)
        {
            var member = $"{nameof(TimeIntervalOptions.Times)}:{i}";
            if (times[i] is not { } range)
            {
                problems.Add(new(member, "a start and an end time are required"));
                continue;
            }
            var start = MinuteOfDay(range.StartTime, $"{member}:{nameof(TimeRangeOptions.StartTime)}", problems);
            var end = MinuteOfDay(range.EndTime, $"{member}:{nameof(TimeRangeOptions.EndTime)}", problems);
            if (start is { } s && end is { } e)
            {
                if (s >= e)
                {
                    problems.Add(new(member, $"the start {range.StartTime.Trim()} is not before the end {range.EndTime.Trim()} (split a stretch across midnight at 24:00)"));
                }
                else
                {
                    parsed.Add((s, e));
                }
            }
        }
        return parsed;
    }

    // "HH:mm" with two-digit hours, 00:00 to 23:59, and 24:00 (only useful as an end).
    private static int? MinuteOfDay(string? text, string member, List<TimeIntervalProblem> problems)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
        {
            problems.Add(new(member, "a time of day (HH:mm) is required"));
            return null;
        }
        if (value.Length == 5 && value[2] == ':' && value.Remove(2, 1).All(char.IsAsciiDigit))
        {
            var hours = (value[0] - '0') * 10 + (value[1] - '0');
            var minutes = (value[3] - '0') * 10 + (value[4] - '0');
            if ((hours < 24 && minutes < 60) || (hours == 24 && minutes == 0))
            {
                return hours * 60 + minutes;
            }
        }
        problems.Add(new(member, $"'{value}' is not a time of day (HH:mm, from 00:00 to 24:00)"));
        return null;
    }

    private static List<(int From, int To)>? ParseRanges(
        List<string>? values,
        string member,
        Func<string, string?, (int? Value, string? Problem)> element,
        Func<string, int, int, string?> check,
        List<TimeIntervalProblem> problems)
    {
        if (values is null || values.Count == 0)
        {
            return null;
        }
        var ranges = new List<(int, int)>();
        foreach (var raw in values)
        {
            var text = raw?.Trim().ToLowerInvariant() ?? "";
            var parts = text.Split(':');
            if (parts.Length > 2)
            {
                problems.Add(new(member, $"'{text}' is neither a value nor a range 'start:end'"));
                continue;
            }
            var whole = parts.Length == 2 ? text : null;
            var (from, fromProblem) = element(parts[0], whole);
            var (to, toProblem) = parts.Length == 2 ? element(parts[1], whole) : (from, null);
            if ((fromProblem ?? toProblem) is { } problem)
            {
                problems.Add(new(member, problem));
            }
            else if (check(text, from!.Value, to!.Value) is { } rangeProblem)
            {
                problems.Add(new(member, rangeProblem));
            }
            else
            {
                ranges.Add((from.Value, to!.Value));
            }
        }
        return ranges;
    }

    private static string Quote(string part, string? whole) => whole is null ? $"'{part}'" : $"'{part}' (in '{whole}')";

    private static (int?, string?) Weekday(string part, string? whole)
    {
        var index = Array.IndexOf(WeekdayNames, part);
        return index >= 0 ? (index, null) : (null, $"{Quote(part, whole)} is not a weekday");
    }

    private static (int?, string?) DayOfMonth(string part, string? whole) =>
        int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var day) && day is >= -31 and <= 31 and not 0
            ? (day, null)
            : (null, $"{Quote(part, whole)} is not a day of the month (1 to 31, or -1 to -31 counting back from its last day)");

    private static (int?, string?) Month(string part, string? whole)
    {
        var index = Array.IndexOf(MonthNames, part);
        if (index >= 0)
        {
            return (index + 1, null);
        }
        return int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var month) && month is >= 1 and <= 12
            ? (month, null)
            : (null, $"{Quote(part, whole)} is not a month (january to december, or 1 to 12)");
    }

    private static (int?, string?) Year(string part, string? whole) =>
        int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1 and <= 9999
            ? (year, null)
            : (null, $"{Quote(part, whole)} is not a year (1 to 9999)");

    private static string? CheckOrder(string text, int from, int to) => from > to ? $"'{text}' starts after it ends" : null;

    private static string? CheckWeekdays(string text, int from, int to) =>
        from > to ? $"'{text}' starts after it ends (the week runs sunday to saturday: list the days on either side separately)" : null;

    // As Alertmanager: a range counted from the month's end must end there too, and the range must not be empty in a
    // 28-day month (the shortest), though it may be clamped in a longer one.
    private static string? CheckDays(string text, int from, int to)
    {
        if (from < 0 && to > 0)
        {
            return $"'{text}' starts counting from the month's end, so its end must be negative too";
        }
        var first = from < 0 ? 29 + from : from;
        var last = to < 0 ? 29 + to : to;
        return first > last ? $"'{text}' starts after it ends (in a 28-day month)" : null;
    }

    private static TimeZoneInfo? ParseLocation(string? location, List<TimeIntervalProblem> problems)
    {
        var id = location?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            return TimeZoneInfo.Utc;
        }
        // A directory of the zone database ("Europe") is refused with a SecurityException.
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException or ArgumentException)
        {
            problems.Add(new(nameof(TimeIntervalOptions.Location), $"'{id}' is not a known time zone (an IANA name such as 'Europe/Berlin')"));
            return null;
        }
    }
}
