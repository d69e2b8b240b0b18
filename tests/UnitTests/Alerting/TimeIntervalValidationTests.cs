using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Windows;
using Microsoft.Extensions.Configuration;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class TimeIntervalValidationTests
{
    private static IReadOnlyList<string> Validate(TimeIntervalOptions interval) =>
        MaintenanceWindows.Validate(new Dictionary<string, List<TimeIntervalOptions>> { ["weekend"] = [interval] });

    [Theory]
    [InlineData("sundy", "TimeIntervals:weekend:0:Weekdays: 'sundy' is not a weekday")]
    [InlineData("monday:fridy", "TimeIntervals:weekend:0:Weekdays: 'fridy' (in 'monday:fridy') is not a weekday")]
    [InlineData("1", "TimeIntervals:weekend:0:Weekdays: '1' is not a weekday")]
    [InlineData("friday:monday", "TimeIntervals:weekend:0:Weekdays: 'friday:monday' starts after it ends (the week runs sunday to saturday: list the days on either side separately)")]
    [InlineData("saturday:sunday", "TimeIntervals:weekend:0:Weekdays: 'saturday:sunday' starts after it ends (the week runs sunday to saturday: list the days on either side separately)")]
    [InlineData("monday:tuesday:friday", "TimeIntervals:weekend:0:Weekdays: 'monday:tuesday:friday' is neither a value nor a range 'start:end'")]
    public void ABadWeekdayIsNamed(string weekday, string message)
    {
        Assert.Equal([message], Validate(new TimeIntervalOptions { Weekdays = ["saturday", weekday] }));
    }

    [Theory]
    [InlineData("0", "'0' is not a day of the month (1 to 31, or -1 to -31 counting back from its last day)")]
    [InlineData("32", "'32' is not a day of the month (1 to 31, or -1 to -31 counting back from its last day)")]
    [InlineData("-32:-1", "'-32' (in '-32:-1') is not a day of the month (1 to 31, or -1 to -31 counting back from its last day)")]
    [InlineData("first", "'first' is not a day of the month (1 to 31, or -1 to -31 counting back from its last day)")]
    [InlineData("5:1", "'5:1' starts after it ends (in a 28-day month)")]
    [InlineData("-1:-3", "'-1:-3' starts after it ends (in a 28-day month)")]
    [InlineData("25:-5", "'25:-5' starts after it ends (in a 28-day month)")]
    [InlineData("-3:5", "'-3:5' starts counting from the month's end, so its end must be negative too")]
    public void ABadDayOfTheMonthIsNamed(string day, string message)
    {
        Assert.Equal([$"TimeIntervals:weekend:0:DaysOfMonth: {message}"], Validate(new TimeIntervalOptions { DaysOfMonth = [day] }));
    }

    [Theory]
    [InlineData("Months", "13", "'13' is not a month (january to december, or 1 to 12)")]
    [InlineData("Months", "janvier", "'janvier' is not a month (january to december, or 1 to 12)")]
    [InlineData("Months", "march:january", "'march:january' starts after it ends")]
    [InlineData("Years", "2028:2026", "'2028:2026' starts after it ends")]
    [InlineData("Years", "'26", "''26' is not a year (1 to 9999)")]
    [InlineData("Years", "-2026", "'-2026' is not a year (1 to 9999)")]
    public void ABadMonthOrYearIsNamed(string field, string value, string message)
    {
        var interval = field == "Months" ? new TimeIntervalOptions { Months = [value] } : new TimeIntervalOptions { Years = [value] };

        Assert.Equal([$"TimeIntervals:weekend:0:{field}: {message}"], Validate(interval));
    }

    [Theory]
    [InlineData("9:00", "17:00", "Times:0:StartTime: '9:00' is not a time of day (HH:mm, from 00:00 to 24:00)")]
    [InlineData("09:00", "24:01", "Times:0:EndTime: '24:01' is not a time of day (HH:mm, from 00:00 to 24:00)")]
    [InlineData("25:00", "23:00", "Times:0:StartTime: '25:00' is not a time of day (HH:mm, from 00:00 to 24:00)")]
    [InlineData("09:60", "10:00", "Times:0:StartTime: '09:60' is not a time of day (HH:mm, from 00:00 to 24:00)")]
    [InlineData("", "10:00", "Times:0:StartTime: a time of day (HH:mm) is required")]
    [InlineData("10:00", "09:00", "Times:0: the start 10:00 is not before the end 09:00 (split a stretch across midnight at 24:00)")]
    [InlineData("10:00", "10:00", "Times:0: the start 10:00 is not before the end 10:00 (split a stretch across midnight at 24:00)")]
    [InlineData("24:00", "24:00", "Times:0: the start 24:00 is not before the end 24:00 (split a stretch across midnight at 24:00)")]
    public void ABadTimeOfDayIsNamed(string start, string end, string message)
    {
        var interval = new TimeIntervalOptions { Times = [new() { StartTime = start, EndTime = end }] };

        Assert.Equal([$"TimeIntervals:weekend:0:{message}"], Validate(interval));
    }

    [Theory]
    [InlineData("Europe/Berln")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData("Europe/")]
    [InlineData("Europe")]
    public void AnUnknownTimeZoneIsNamed(string location)
    {
        Assert.Equal(
            [$"TimeIntervals:weekend:0:Location: '{location}' is not a known time zone (an IANA name such as 'Europe/Berlin')"],
            Validate(new TimeIntervalOptions { Location = location }));
    }

    [Fact]
    public void EveryProblemOfEveryWindowIsReportedWithItsPath()
    {
        var windows = new Dictionary<string, List<TimeIntervalOptions>>
        {
            ["ok"] = [new() { Weekdays = ["monday:friday"] }],
            ["nights"] = [new(), new() { Weekdays = ["sundy"], Times = [new() { StartTime = "23:00", EndTime = "01:00" }] }],
            ["nothing"] = [],
        };

        Assert.Equal(
            [
                "Alerting:TimeIntervals:nights:1:Times:0: the start 23:00 is not before the end 01:00 (split a stretch across midnight at 24:00)",
                "Alerting:TimeIntervals:nights:1:Weekdays: 'sundy' is not a weekday",
                "Alerting:TimeIntervals:nothing: the window has no time intervals",
            ],
            MaintenanceWindows.Validate(windows, "Alerting:TimeIntervals"));
    }

    [Fact]
    public void ValidValuesPassInAnyCaseAndWithSpaces()
    {
        var interval = new TimeIntervalOptions
        {
            Times = [new() { StartTime = "00:00", EndTime = "24:00" }, new() { StartTime = " 09:30", EndTime = "10:15 " }],
            Weekdays = ["Sunday", "MONDAY:friday", " saturday "],
            DaysOfMonth = ["1", "1:5", "-1", "-3:-1", "15:-1", "28:-1", "-31:-29"],
            Months = ["January", "1", "january:march", "10:12", "may:8"],
            Years = ["2026", "2026:2028"],
            Location = "America/New_York",
        };

        Assert.Empty(Validate(interval));
        Assert.True(Validator.TryValidateObject(interval, new ValidationContext(interval), null, validateAllProperties: true));
        Assert.Empty(MaintenanceWindows.Validate(null));
    }

    [Fact]
    public void TheDataAnnotationsValidatorReportsTheSameProblemsWithTheirMembers()
    {
        var interval = new TimeIntervalOptions { Weekdays = ["sundy"], Location = "Nowhere/Town" };
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(interval, new ValidationContext(interval), results, validateAllProperties: true));
        Assert.Equal(
            ["Weekdays: 'sundy' is not a weekday", "Location: 'Nowhere/Town' is not a known time zone (an IANA name such as 'Europe/Berlin')"],
            results.Select(r => r.ErrorMessage));
        Assert.Equal(["Weekdays", "Location"], results.Select(r => r.MemberNames.Single()));
    }

    [Fact]
    public void WindowsBindFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alerting:TimeIntervals:weekend:0:Weekdays:0"] = "saturday",
            ["Alerting:TimeIntervals:weekend:0:Weekdays:1"] = "sunday",
            ["Alerting:TimeIntervals:weekend:0:Location"] = "Europe/Berlin",
            ["Alerting:TimeIntervals:nightly:0:Times:0:StartTime"] = "02:00",
            ["Alerting:TimeIntervals:nightly:0:Times:0:EndTime"] = "04:00",
        }).Build();

        var windows = configuration.GetSection("Alerting:TimeIntervals").Get<Dictionary<string, List<TimeIntervalOptions>>>()!;

        Assert.Empty(MaintenanceWindows.Validate(windows));
        Assert.Equal("UTC", windows["nightly"][0].Location);
        Assert.True(MaintenanceWindows.IsActive(windows["weekend"], new DateTimeOffset(2026, 6, 6, 22, 30, 0, TimeSpan.Zero)));
        Assert.False(MaintenanceWindows.IsActive(windows["weekend"], new DateTimeOffset(2026, 6, 7, 22, 30, 0, TimeSpan.Zero)));
        Assert.True(MaintenanceWindows.IsActive(windows["nightly"], new DateTimeOffset(2026, 6, 7, 3, 59, 0, TimeSpan.Zero)));
    }
}
