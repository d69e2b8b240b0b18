namespace ConnectorHealth.Alerting.Routes;

/// <summary>A route as <c>GET /api/routes</c> shows it: its matchers, and its settings with what it inherits filled in.</summary>
public sealed record RouteView(
    string Path,
    int Depth,
    string? Receiver,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Matchers,
    bool Continue,
    IReadOnlyList<string> GroupBy,
    TimeSpan GroupWait,
    TimeSpan GroupInterval,
    TimeSpan RepeatInterval,
    IReadOnlyList<string> MuteTimeIntervals,
    IReadOnlyList<string> ActiveTimeIntervals,
    TimeSpan? EscalateAfter,
    string? EscalateTo);
