namespace ConnectorHealth.Runner.Connectors;

public sealed class RetryOptions
{
    public int MaxAttempts { get; set; } = 3;
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public double Multiplier { get; set; } = 2.0;
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Spread each delay uniformly over [delay/2, delay] so retries of many connectors don't align.</summary>
    public bool Jitter { get; set; } = true;
}
