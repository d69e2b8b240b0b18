using ConnectorHealth.Alerting.Windows;
using CsCheck;

namespace ConnectorHealth.UnitTests.Alerting;

// Maintenance windows against an oracle: Alertmanager's ContainsTime transcribed as it stands (timeinterval.go), over
// the fields as numbers, and a minute-by-minute scan of that oracle for the next change.
public sealed class MaintenanceWindowPropertyTests
{
    private static readonly string[] Zones =
    [
        "UTC", "Europe/Berlin", "America/New_York",
        "Australia/Lord_Howe", // daylight saving of half an hour
        "America/Santiago", // the clock changes at midnight
        "Asia/Kolkata", "Pacific/Chatham", // offsets of +5:30 and +12:45/+13:45
    ];

    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private static readonly string[] MonthNames =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    // Every offset change of the zones above in 2025 to 2028, found by reading the offset hour by hour.
    private static readonly DateTimeOffset[] OffsetChanges = [.. Zones.Select(TimeZoneInfo.FindSystemTimeZoneById).SelectMany(zone =>
        Enumerable.Range(0, 4 * 8766)
            .Select(h => new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(h))
            .Where(h => zone.GetUtcOffset(h) != zone.GetUtcOffset(h.AddHours(1))))];

    private sealed record Spec(
        (int Start, int End)[]? Times,
        (int From, int To)[]? Weekdays,
        (int From, int To)[]? Days,
        (int From, int To)[]? Months,
        (int From, int To)[]? Years,
        string Zone,
        int Style)
    {
        public override string ToString() =>
            $"times {Show(Times)} weekdays {Show(Weekdays)} days {Show(Days)} months {Show(Months)} years {Show(Years)} in {Zone}";

        private static string Show((int, int)[]? ranges) => ranges is null ? "any" : string.Join(",", ranges.Select(r => $"{r.Item1}:{r.Item2}"));
    }

    private static Gen<T[]?> Optional<T>(Gen<T> element) =>
        Gen.Frequency((1, Gen.Const((T[]?)null)), (2, element.Array[1, 3].Select(a => (T[]?)a)));

    private static Gen<(int, int)> Ordered(Gen<int> value) => Gen.Select(value, value).Select(p => p.Item1 <= p.Item2 ? p : (p.Item2, p.Item1));

    private static readonly Gen<int> Minute = Gen.Frequency((3, Gen.Int[0, 48].Select(h => h * 30)), (1, Gen.Int[0, 1440]));

    private static readonly Gen<(int, int)> TimeRange = Gen.Select(Minute, Minute).Where(p => p.Item1 != p.Item2)
        .Select(p => p.Item1 < p.Item2 ? p : (p.Item2, p.Item1));

    // Days near either end of a month are where months of different lengths differ.
    private static readonly Gen<(int, int)> DayRange = Gen.OneOf(
        Ordered(Gen.OneOf(Gen.Int[1, 31], Gen.Int[27, 31])),
        Ordered(Gen.OneOf(Gen.Int[-31, -1], Gen.Int[-31, -27])),
        Gen.Int[-28, -1].SelectMany(to => Gen.Int[1, 29 + to].Select(from => (from, to))));

    private static readonly Gen<Spec> Specs = Gen.Select(
        Optional(TimeRange),
        Optional(Ordered(Gen.Int[0, 6])),
        Optional(DayRange),
        Optional(Ordered(Gen.Int[1, 12])),
        Optional(Ordered(Gen.Int[2025, 2028])),
        Gen.OneOf(Zones),
        Gen.Int[0, 1 << 20])
        .Select((times, weekdays, days, months, years, zone, style) => new Spec(times, weekdays, days, months, years, zone, style));

    private static readonly Gen<Spec[]> Windows = Specs.Array[1, 3];

    // Near an offset change of one of the zones, in the last days of a month, or anywhere in 2025 to 2028, to the second.
    private static readonly Gen<DateTimeOffset> Instants = Gen.Frequency(
        (1, Gen.Select(Gen.OneOf(OffsetChanges), Gen.Int[-3 * 86400, 3 * 86400]).Select((change, seconds) => change.AddSeconds(seconds))),
        (1, Gen.Select(Gen.Int[0, 47], Gen.Int[-4 * 86400, 86400]).Select((month, seconds) =>
            new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(month).AddSeconds(seconds))),
        (1, Gen.Long[0, 4L * 365 * 86400].Select(s => new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(s))));

    [Fact]
    public void IsActiveAgreesWithAlertmanagersRuleForAnyWindowAndInstant()
    {
        var (active, inactive) = (0, 0);
        Gen.Select(Windows, Instants.Array[20]).Sample((specs, instants) =>
        {
            var window = specs.Select(Options).ToArray();
            foreach (var instant in instants)
            {
                var expected = specs.Any(s => Oracle(s, instant));
                Assert.Equal(expected, MaintenanceWindows.IsActive(window, instant));
                _ = expected ? active++ : inactive++;
            }
        }, iter: 2000, threads: 1, print: p => $"{string.Join(" | ", p.Item1)} at {string.Join(", ", p.Item2.Select(i => i.ToString("O")))}");

        // Guard: the windows are neither all idle nor all active.
        Assert.True(active > 8000 && inactive > 8000, $"{active} active, {inactive} inactive");
    }

    [Fact]
    public void NextChangeIsTheFirstMinuteAtWhichAScanSeesAChangeWithinAFewDays()
    {
        var found = 0;
        Gen.Select(Windows, Instants, Gen.Int[0, 3 * 86400]).Sample((specs, from, horizonSeconds) =>
        {
            var horizon = TimeSpan.FromSeconds(horizonSeconds);
            var expected = Scan(specs, from, horizon);
            Assert.Equal(expected, MaintenanceWindows.NextChange(specs.Select(Options).ToArray(), from, horizon));
            _ = expected is null ? 0 : found++;
        }, iter: 300, threads: 1, print: p => $"{string.Join(" | ", p.Item1)} from {p.Item2:O} for {p.Item3} s");

        Assert.True(found > 50, $"only {found} windows changed within the horizon");
    }

    [Fact]
    public void NextChangeIsTheFirstMinuteAtWhichAScanSeesAChangeOverWeeks()
    {
        Gen.Select(Windows, Instants, Gen.Int[0, 45 * 86400]).Sample((specs, from, horizonSeconds) =>
        {
            var horizon = TimeSpan.FromSeconds(horizonSeconds);
            Assert.Equal(Scan(specs, from, horizon), MaintenanceWindows.NextChange(specs.Select(Options).ToArray(), from, horizon));
        }, iter: 30, threads: 1, print: p => $"{string.Join(" | ", p.Item1)} from {p.Item2:O} for {p.Item3} s");
    }

    private static DateTimeOffset? Scan(Spec[] specs, DateTimeOffset from, TimeSpan horizon)
    {
        var before = specs.Any(s => Oracle(s, from));
        var minute = new DateTimeOffset(from.UtcTicks - from.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        for (; minute <= from + horizon; minute = minute.AddMinutes(1))
        {
            if (specs.Any(s => Oracle(s, minute)) != before)
            {
                return minute;
            }
        }
        return null;
    }

    // The configured strings for a spec, in the spellings the options accept: any case, names or numbers for months,
    // a single day as "x" or "x:x".
    private static TimeIntervalOptions Options(Spec spec)
    {
        var random = new Random(spec.Style);
        string Case(string name) => random.Next(3) switch { 0 => name, 1 => name.ToUpperInvariant(), _ => char.ToUpperInvariant(name[0]) + name[1..] };
        string Range((int From, int To) r, Func<int, string> show) =>
            r.From == r.To && random.Next(2) == 0 ? show(r.From) : $"{show(r.From)}:{show(r.To)}";
        string Clock(int minute) => $"{minute / 60:00}:{minute % 60:00}";
        return new TimeIntervalOptions
        {
            Times = [.. spec.Times?.Select(t => new TimeRangeOptions { StartTime = Clock(t.Start), EndTime = Clock(t.End) }) ?? []],
            Weekdays = [.. spec.Weekdays?.Select(r => Range(r, d => Case(WeekdayNames[d]))) ?? []],
            DaysOfMonth = [.. spec.Days?.Select(r => Range(r, d => d.ToString())) ?? []],
            Months = [.. spec.Months?.Select(r => Range(r, m => random.Next(2) == 0 ? m.ToString() : Case(MonthNames[m - 1]))) ?? []],
            Years = [.. spec.Years?.Select(r => Range(r, y => y.ToString())) ?? []],
            Location = spec.Zone,
        };
    }

    // Alertmanager's TimeInterval.ContainsTime, field by field.
    private static bool Oracle(Spec spec, DateTimeOffset instant)
    {
        var t = TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(spec.Zone));
        var minute = t.Hour * 60 + t.Minute;
        if (spec.Times is { } times && !times.Any(r => minute >= r.Start && minute < r.End))
        {
            return false;
        }
        if (spec.Days is { } days)
        {
            var inDays = false;
            foreach (var (from, to) in days)
            {
                var daysInMonth = DateTime.DaysInMonth(t.Year, t.Month);
                var begin = from < 0 ? daysInMonth + from + 1 : from;
                var end = to < 0 ? daysInMonth + to + 1 : to;
                if (begin > daysInMonth)
                {
                    continue;
                }
                begin = Math.Clamp(begin, -daysInMonth, daysInMonth);
                end = Math.Clamp(end, -daysInMonth, daysInMonth);
                if (t.Day >= begin && t.Day <= end)
                {
                    inDays = true;
                    break;
                }
            }
            if (!inDays)
            {
                return false;
            }
        }
        if (spec.Months is { } months && !months.Any(r => t.Month >= r.From && t.Month <= r.To))
        {
            return false;
        }
        if (spec.Weekdays is { } weekdays && !weekdays.Any(r => (int)t.DayOfWeek >= r.From && (int)t.DayOfWeek <= r.To))
        {
            return false;
        }
        return spec.Years is not { } years || years.Any(r => t.Year >= r.From && t.Year <= r.To);
    }
}
