using System.Runtime.CompilerServices;

namespace ConnectorHealth.Alerting.Windows;

/// <summary>
/// Maintenance windows as configured (Alerting:TimeIntervals:&lt;name&gt;, a list of <see cref="TimeIntervalOptions"/>
/// per name). Each options instance is parsed once, on first use, and the parsed form is kept as long as the instance
/// lives: configuration reloads bind new instances, and an instance must not be changed once it is in use.
/// </summary>
public static class MaintenanceWindows
{
    private static readonly ConditionalWeakTable<TimeIntervalOptions, TimeInterval> Parsed = [];

    /// <summary>Whether any interval of the window contains the instant. Throws <see cref="ArgumentException"/> for an invalid interval.</summary>
    public static bool IsActive(IReadOnlyList<TimeIntervalOptions> window, DateTimeOffset instant)
    {
        foreach (var options in window)
        {
            if (ParsedForm(options).Contains(instant))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The first instant after <paramref name="from"/>, within <paramref name="horizon"/>, at which
    /// <see cref="IsActive"/> changes (a whole minute, in UTC), or null. See <see cref="MaintenanceWindow.NextChange"/>.
    /// </summary>
    public static DateTimeOffset? NextChange(IReadOnlyList<TimeIntervalOptions> window, DateTimeOffset from, TimeSpan horizon) =>
        new MaintenanceWindow(window.Select(ParsedForm)).NextChange(from, horizon);

    /// <summary>The parsed form of one interval, parsed on first use.</summary>
    public static TimeInterval ParsedForm(TimeIntervalOptions options) => Parsed.GetValue(options, TimeInterval.Parse);

    /// <summary>
    /// Every problem of the configured windows, each prefixed with its configuration path below
    /// <paramref name="path"/> ("TimeIntervals:weekend:0:Weekdays: 'sundy' is not a weekday"); empty when all are valid.
    /// </summary>
    public static IReadOnlyList<string> Validate(IReadOnlyDictionary<string, List<TimeIntervalOptions>>? windows, string path = "TimeIntervals")
    {
        var failures = new List<string>();
        foreach (var (name, window) in windows ?? new Dictionary<string, List<TimeIntervalOptions>>())
        {
            if (window is null || window.Count == 0)
            {
                failures.Add($"{path}:{name}: the window has no time intervals");
                continue;
            }
            for (var i = 0; i < window.Count; i++)
            {
                if (window[i] is not { } options)
                {
                    failures.Add($"{path}:{name}:{i}: the time interval is empty");
                    continue;
                }
                var problems = new List<TimeIntervalProblem>();
                TimeIntervalParser.Parse(options, problems);
                failures.AddRange(problems.Select(p => $"{path}:{name}:{i}:{p}"));
            }
        }
        return failures;
    }
}
