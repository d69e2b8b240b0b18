namespace ConnectorHealth.Alerting.Notifications;

/// <summary>How long to wait before retrying a notification that could not be delivered.</summary>
public static class NotificationBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Max = TimeSpan.FromMinutes(10);

    /// <summary>5 s before the first retry, doubling, at most 10 min.</summary>
    /// <param name="attempt">The failed attempt's number, from 1.</param>
    public static TimeSpan Delay(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // 2^7 × 5 s is past the cap already; the clamp keeps the shift from overflowing.
        var delay = First * (1L << Math.Min(attempt - 1, 16));
        return delay < Max ? delay : Max;
    }

    /// <summary>
    /// <see cref="Delay(int)"/> shortened by up to 20 % at random, so channels that failed together do not retry in
    /// step; never longer than the cap.
    /// </summary>
    public static TimeSpan Delay(int attempt, Random jitter) => Delay(attempt) * (1 - 0.2 * jitter.NextDouble());
}
