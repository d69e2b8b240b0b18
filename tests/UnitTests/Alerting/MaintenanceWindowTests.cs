using System.Diagnostics;
using ConnectorHealth.Alerting.Windows;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class MaintenanceWindowTests
{
    private static DateTimeOffset Utc(string instant) => DateTimeOffset.Parse(instant + "Z").ToUniversalTime();

    private static TimeIntervalOptions Interval(
        string? times = null,
        string[]? weekdays = null,
        string[]? days = null,
        string[]? months = null,
        string[]? years = null,
        string location = "UTC") => new()
        {
            Times = times is null
                ? []
                : [.. times.Split(',').Select(t => t.Split('-')).Select(t => new TimeRangeOptions { StartTime = t[0], EndTime = t[1] })],
            Weekdays = [.. weekdays ?? []],
            DaysOfMonth = [.. days ?? []],
            Months = [.. months ?? []],
            Years = [.. years ?? []],
            Location = location,
        };

    // Every change within the horizon, following NextChange from one to the next.
    private static List<DateTimeOffset> Changes(IReadOnlyList<TimeIntervalOptions> window, DateTimeOffset from, TimeSpan horizon)
    {
        var changes = new List<DateTimeOffset>();
        var end = from + horizon;
        while (MaintenanceWindows.NextChange(window, from, end - from) is { } change)
        {
            changes.Add(change);
            from = change;
        }
        return changes;
    }

    [Theory]
    [InlineData("2026-06-01T06:59", false)] // Monday 08:59 in Berlin (summer time, +2)
    [InlineData("2026-06-01T07:00", true)]
    [InlineData("2026-06-05T14:59", true)] // Friday 16:59
    [InlineData("2026-06-05T15:00", false)] // Friday 17:00: the end is exclusive
    [InlineData("2026-06-06T10:00", false)] // Saturday
    [InlineData("2026-06-03T12:00", true)] // Wednesday, inside the range
    public void OfficeHoursMatchTheWeekdayRangeOnTheLocalClock(string instant, bool active)
    {
        var window = new[] { Interval("09:00-17:00", weekdays: ["Monday:FRIDAY"], location: "Europe/Berlin") };

        Assert.Equal(active, MaintenanceWindows.IsActive(window, Utc(instant)));
    }

    [Fact]
    public void MinusOneIsTheLastDayOfFebruaryInALeapYearAndOutOfIt()
    {
        var window = new[] { Interval(days: ["-1"]) };

        Assert.False(MaintenanceWindows.IsActive(window, Utc("2028-02-28T12:00")));
        Assert.True(MaintenanceWindows.IsActive(window, Utc("2028-02-29T12:00")));
        Assert.True(MaintenanceWindows.IsActive(window, Utc("2027-02-28T12:00")));
        Assert.Equal(Utc("2028-02-29T00:00"), MaintenanceWindows.NextChange(window, Utc("2028-02-01T00:00"), TimeSpan.FromDays(60)));
        Assert.Equal(Utc("2028-03-01T00:00"), MaintenanceWindows.NextChange(window, Utc("2028-02-29T00:00"), TimeSpan.FromDays(60)));
    }

    [Fact]
    public void TheLastThreeDaysFollowTheMonthsLengthAndADayPastTheEndIsClamped()
    {
        var lastThree = new[] { Interval(days: ["-3:-1"]) };
        var lateMonth = new[] { Interval(days: ["29:31"]) };

        Assert.Equal(
            [Utc("2026-02-26T00:00"), Utc("2026-03-01T00:00"), Utc("2026-03-29T00:00"), Utc("2026-04-01T00:00")],
            Changes(lastThree, Utc("2026-02-01T00:00"), TimeSpan.FromDays(59)));
        Assert.Equal(
            [Utc("2026-01-29T00:00"), Utc("2026-02-01T00:00"), Utc("2026-03-29T00:00"), Utc("2026-04-01T00:00")],
            Changes(lateMonth, Utc("2026-01-01T00:00"), TimeSpan.FromDays(90)));
    }

    [Fact]
    public void AStretchMayEndAtTwentyFourHundred()
    {
        var window = new[] { Interval("22:00-24:00") };

        Assert.True(MaintenanceWindows.IsActive(window, Utc("2026-06-01T23:59:59")));
        Assert.False(MaintenanceWindows.IsActive(window, Utc("2026-06-02T00:00")));
        Assert.Equal(Utc("2026-06-02T00:00"), MaintenanceWindows.NextChange(window, Utc("2026-06-01T23:30"), TimeSpan.FromDays(1)));
        Assert.Equal(Utc("2026-06-02T22:00"), MaintenanceWindows.NextChange(window, Utc("2026-06-02T00:00"), TimeSpan.FromDays(1)));
    }

    [Fact]
    public void StretchesOnEitherSideOfMidnightMakeOneWindowAcrossIt()
    {
        var window = new[] { Interval("22:00-24:00", weekdays: ["friday"]), Interval("00:00-06:00", weekdays: ["saturday"]) };

        Assert.Equal(
            [Utc("2026-06-05T22:00"), Utc("2026-06-06T06:00")],
            Changes(window, Utc("2026-06-05T12:00"), TimeSpan.FromDays(6)));
    }

    [Fact]
    public void InBerlinTheSkippedSpringHourNeverMatchesAndTheRepeatedAutumnHourMatchesTwice()
    {
        // 29 March 2026: at 01:00 UTC the clock jumps from 02:00 (+1) to 03:00 (+2).
        var inTheGap = new[] { Interval("02:00-03:00", location: "Europe/Berlin") };
        var straddling = new[] { Interval("01:30-02:30", location: "Europe/Berlin") };
        var spring = Utc("2026-03-28T22:00");

        Assert.Equal([Utc("2026-03-30T00:00"), Utc("2026-03-30T01:00")], Changes(inTheGap, spring, TimeSpan.FromDays(1.5)));
        Assert.Equal([Utc("2026-03-29T00:30"), Utc("2026-03-29T01:00")], Changes(straddling, spring, TimeSpan.FromDays(1)));

        // 25 October 2026: at 01:00 UTC the clock goes back from 03:00 (+2) to 02:00 (+1).
        var repeated = new[] { Interval("02:00-02:30", location: "Europe/Berlin") };
        Assert.Equal(
            [Utc("2026-10-25T00:00"), Utc("2026-10-25T00:30"), Utc("2026-10-25T01:00"), Utc("2026-10-25T01:30")],
            Changes(repeated, Utc("2026-10-24T23:00"), TimeSpan.FromHours(12)));
    }

    [Fact]
    public void ASundayNightWindowInNewYorkLastsAnHourLessInSpringAndAnHourMoreInAutumn()
    {
        var window = new[] { Interval("01:00-03:00", weekdays: ["sunday"], location: "America/New_York") };

        // 8 March 2026: 02:00 EST (07:00 UTC) becomes 03:00 EDT.
        Assert.Equal([Utc("2026-03-08T06:00"), Utc("2026-03-08T07:00")], Changes(window, Utc("2026-03-07T12:00"), TimeSpan.FromDays(1)));
        // 1 November 2026: 02:00 EDT (06:00 UTC) becomes 01:00 EST.
        Assert.Equal([Utc("2026-11-01T05:00"), Utc("2026-11-01T08:00")], Changes(window, Utc("2026-10-31T12:00"), TimeSpan.FromDays(1)));
        Assert.True(MaintenanceWindows.IsActive(window, Utc("2026-11-01T06:30")));
    }

    [Fact]
    public void MonthsAndYearsMatchByNameOrNumber()
    {
        var window = new[] { Interval(months: ["january:March", "10:12"], years: ["2026:2027"]) };

        Assert.True(MaintenanceWindows.IsActive(window, Utc("2026-02-10T00:00")));
        Assert.False(MaintenanceWindows.IsActive(window, Utc("2026-06-10T00:00")));
        Assert.True(MaintenanceWindows.IsActive(window, Utc("2027-12-31T23:59")));
        Assert.False(MaintenanceWindows.IsActive(window, Utc("2028-01-01T00:00")));
        Assert.Equal(
            [Utc("2026-04-01T00:00"), Utc("2026-10-01T00:00"), Utc("2027-04-01T00:00"), Utc("2027-10-01T00:00"), Utc("2028-01-01T00:00")],
            Changes(window, Utc("2026-01-15T00:00"), TimeSpan.FromDays(3650)));
    }

    [Fact]
    public void AnIntervalWithNoFieldsIsAlwaysActiveAndAWindowWithNoneNever()
    {
        var always = new[] { new TimeIntervalOptions() };
        var from = Utc("2026-06-01T00:00");

        Assert.True(MaintenanceWindows.IsActive(always, from));
        Assert.Null(MaintenanceWindows.NextChange(always, from, TimeSpan.FromDays(3650)));
        Assert.False(MaintenanceWindows.IsActive([], from));
        Assert.Null(MaintenanceWindows.NextChange([], from, TimeSpan.FromDays(3650)));
    }

    [Fact]
    public void TheNextChangeIsStrictlyAfterFromAndWithinTheHorizon()
    {
        var window = new[] { Interval("09:00-10:00") };
        var from = Utc("2026-06-01T08:59:30");

        Assert.Equal(Utc("2026-06-01T09:00"), MaintenanceWindows.NextChange(window, from, TimeSpan.FromSeconds(30)));
        Assert.Null(MaintenanceWindows.NextChange(window, from, TimeSpan.FromSeconds(29)));
        Assert.Equal(Utc("2026-06-01T10:00"), MaintenanceWindows.NextChange(window, Utc("2026-06-01T09:00"), TimeSpan.FromDays(1)));
        Assert.Null(MaintenanceWindows.NextChange(window, from, TimeSpan.Zero));
    }

    [Fact]
    public void ADistantWindowIsFoundByJumpingOverTheDaysThatCannotMatch()
    {
        var past = new[] { Interval("02:00-04:00", years: ["2020"], location: "Europe/Berlin") };
        var future = new[] { Interval("02:00-04:00", weekdays: ["sunday"], days: ["1:7"], months: ["june"], years: ["2031"], location: "Europe/Berlin") };
        var from = Utc("2026-12-07T12:00");

        Assert.Null(MaintenanceWindows.NextChange(past, from, TimeSpan.FromDays(3650)));
        // The first Sunday of June 2031 is the 1st; 02:00 in Berlin is 00:00 UTC.
        Assert.Equal(Utc("2031-06-01T00:00"), MaintenanceWindows.NextChange(future, from, TimeSpan.FromDays(3650)));

        var weekly = new[]
        {
            Interval("22:00-24:00", weekdays: ["friday"], location: "Europe/Berlin"),
            Interval("00:00-06:00", weekdays: ["saturday"], location: "Europe/Berlin"),
            Interval(days: ["-1"], months: ["december"], location: "America/New_York"),
        };
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 500; i++)
        {
            Assert.NotNull(MaintenanceWindows.NextChange(weekly, from.AddMinutes(i * 17), TimeSpan.FromDays(366)));
            Assert.Null(MaintenanceWindows.NextChange(past, from.AddMinutes(i * 17), TimeSpan.FromDays(366)));
        }
        // Generous: a minute-by-minute scan over a year would take seconds per call.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"1,000 look-ups over a year took {clock.Elapsed}");
    }

    [Fact]
    public void AnInvalidIntervalCannotBeUsed()
    {
        var window = new[] { Interval(weekdays: ["sundy"]) };

        var thrown = Assert.Throws<ArgumentException>(() => MaintenanceWindows.IsActive(window, DateTimeOffset.UtcNow));
        Assert.Contains("Weekdays: 'sundy' is not a weekday", thrown.Message);
    }
}
