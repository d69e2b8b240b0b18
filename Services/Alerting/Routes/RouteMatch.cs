namespace ConnectorHealth.Alerting.Routes;

/// <summary>
/// A route an alert reached: where it goes, how it is grouped and timed, when it is muted, where it escalates, and why
/// it got there (each matcher that let it through, from the root down).
/// </summary>
public sealed record RouteMatch(
    string Path,
    string Receiver,
    IReadOnlyList<string> GroupBy,
    TimeSpan GroupWait,
    TimeSpan GroupInterval,
    TimeSpan RepeatInterval,
    IReadOnlyList<string> MuteTimeIntervals,
    IReadOnlyList<string> ActiveTimeIntervals,
    TimeSpan? EscalateAfter,
    string? EscalateTo,
    IReadOnlyList<string> Why)
{
    /// <summary>The group the alert joins on this route: the route, the receiver and the values of the grouping labels.</summary>
    public string GroupKey(AlertLabels labels) =>
        $"{Path}|{Receiver}|{string.Join(',', GroupBy.Select(label => $"{label}={labels.Value(label)}"))}";

    public IReadOnlyDictionary<string, string> GroupLabels(AlertLabels labels) =>
        GroupBy.Where(label => label != AlertLabels.EveryLabel).ToDictionary(label => label, labels.Value, StringComparer.Ordinal);
}
