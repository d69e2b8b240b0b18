namespace ConnectorHealth.Alerting.Windows;

/// <summary>
/// Whether a route's maintenance windows mute it now: one of its <c>MuteTimeIntervals</c> is active, or it has
/// <c>ActiveTimeIntervals</c> and none is. Says why (as the alert list shows it) and until when it holds.
/// </summary>
public static class RouteMuting
{
    /// <summary>How far ahead the end of a mute is looked for; past it, the route is looked at again then.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(400);

    public static (string Reason, DateTimeOffset Until)? At(
        IReadOnlyList<string> muteTimeIntervals, IReadOnlyList<string> activeTimeIntervals,
        IReadOnlyDictionary<string, List<TimeIntervalOptions>> intervals, DateTimeOffset now)
    {
        foreach (var name in muteTimeIntervals)
        {
            if (intervals.TryGetValue(name, out var window) && MaintenanceWindows.IsActive(window, now))
            {
                return ($"muted by window {name}", MaintenanceWindows.NextChange(window, now, Horizon) ?? now + Horizon);
            }
        }
        var active = activeTimeIntervals.Where(intervals.ContainsKey).ToArray();
        if (active.Length > 0 && !active.Any(name => MaintenanceWindows.IsActive(intervals[name], now)))
        {
            var next = active.Select(name => MaintenanceWindows.NextChange(intervals[name], now, Horizon)).OfType<DateTimeOffset>()
                .DefaultIfEmpty(now + Horizon).Min();
            return ($"muted outside window {string.Join(", ", active)}", next);
        }
        return null;
    }
}
