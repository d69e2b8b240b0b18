namespace ConnectorHealth.Alerting.Rules;

/// <summary>The five windows the multiwindow burn-rate alerts look at, each ending now.</summary>
public sealed record SloWindows(
    WindowCounts FiveMinutes,
    WindowCounts ThirtyMinutes,
    WindowCounts OneHour,
    WindowCounts SixHours,
    WindowCounts ThreeDays);
