using ConnectorHealth.Runner.Connectors;

namespace ConnectorHealth.Runner.Runs;

/// <summary>Exponential backoff with jitter, capped; a source's own <c>Retry-After</c> wins, up to the cap.</summary>
public static class Backoff
{
    /// <param name="failedAttempt">The attempt that just failed (1-based).</param>
    public static (TimeSpan Delay, TimeSpan? RetryAfterHonoured) Delay(
        RetryOptions retry, int failedAttempt, TimeSpan? retryAfter, Random random)
    {
        if (retryAfter is { } asked)
        {
            var honoured = asked < retry.MaxDelay ? asked : retry.MaxDelay;
            return (honoured, honoured);
        }

        var exponential = retry.InitialDelay.TotalMilliseconds * Math.Pow(retry.Multiplier, failedAttempt - 1);
        var capped = Math.Min(exponential, retry.MaxDelay.TotalMilliseconds);
        var jittered = retry.Jitter ? capped * (0.5 + random.NextDouble() / 2) : capped;
        return (TimeSpan.FromMilliseconds(jittered), null);
    }
}
