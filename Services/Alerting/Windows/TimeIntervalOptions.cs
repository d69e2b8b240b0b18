using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Alerting.Windows;

// One recurring interval, with Alertmanager's time_interval semantics: every field that is set must match the instant's
// wall-clock time in Location; an empty field matches anything. Values are case-insensitive; ranges "start:end" are
// inclusive. The week runs sunday to saturday (so "saturday:sunday" is refused: list both days). Negative days of the
// month count from its end (-1 is the last day); a day past the month's end is clamped to it ("1:31" covers February).
// Parsed once into a TimeInterval: treat an instance as read-only once it is in use.
public sealed class TimeIntervalOptions : IValidatableObject
{
    // Stretches of the day ({ StartTime: "09:00", EndTime: "17:00" }).
    public List<TimeRangeOptions> Times { get; set; } = [];

    // "monday", "monday:friday".
    public List<string> Weekdays { get; set; } = [];

    // "1", "1:5", "-1" (the last day), "-3:-1", "15:-1".
    public List<string> DaysOfMonth { get; set; } = [];

    // "january", "1", "january:march", "10:12".
    public List<string> Months { get; set; } = [];

    // "2026", "2026:2028".
    public List<string> Years { get; set; } = [];

    // An IANA time zone name ("Europe/Berlin").
    public string Location { get; set; } = "UTC";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = new List<TimeIntervalProblem>();
        TimeIntervalParser.Parse(this, problems);
        return problems.Select(p => new ValidationResult(p.ToString(), [p.Member]));
    }
}
