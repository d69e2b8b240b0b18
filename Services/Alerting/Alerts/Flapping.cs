namespace ConnectorHealth.Alerting.Alerts;

/// <summary>An alert that keeps opening and resolving says the same thing each time; its notifications are held.</summary>
public static class Flapping
{
    /// <param name="recentResolutions">When the fingerprint's alerts were resolved.</param>
    /// <param name="threshold">Resolutions within <paramref name="window"/> that make it flapping; at least 1.</param>
    public static bool IsFlapping(IReadOnlyList<DateTimeOffset> recentResolutions, DateTimeOffset now, TimeSpan window, int threshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var from = now - window;
        return recentResolutions.Count(resolvedAt => resolvedAt >= from) >= threshold;
    }
}
