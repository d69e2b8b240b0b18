namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>Configuration section <c>Pipeline</c>: when the pipeline's own state makes a service Degraded.</summary>
public sealed class PipelineOptions
{
    public const string Section = "Pipeline";

    /// <summary>Messages wait in a consumer's queue and nothing was consumed for this long: the consumer is stalled.</summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A consumer queue without any consumer for this long. Short gaps are normal (start-up, a reconnect), so a single
    /// sample without consumer does not count.
    /// </summary>
    public TimeSpan NoConsumerAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A dead-letter store that grew within this window makes the service Degraded.</summary>
    public TimeSpan ErrorGrowthWindow { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The oldest message of a publish backlog waited longer than this: publishing is stuck.</summary>
    public TimeSpan PublishStuckAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A message was delivered to a consumer and not acknowledged for this long: the consumer is stuck on it (or on its
    /// batch). Such messages are not waiting in the queue, so only this shows them.
    /// </summary>
    public TimeSpan InFlightStuckAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often queue depths and dead-letter counts are sampled in the background.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    public static string? Validate(PipelineOptions options)
    {
        var invalid = new[]
        {
            (nameof(StalledAfter), options.StalledAfter),
            (nameof(NoConsumerAfter), options.NoConsumerAfter),
            (nameof(ErrorGrowthWindow), options.ErrorGrowthWindow),
            (nameof(PublishStuckAfter), options.PublishStuckAfter),
            (nameof(InFlightStuckAfter), options.InFlightStuckAfter),
            (nameof(SampleInterval), options.SampleInterval),
        }.Where(o => o.Item2 <= TimeSpan.Zero).Select(o => $"{Section}:{o.Item1} must be a positive time span (e.g. 00:01:00).");
        return string.Join(" ", invalid) is { Length: > 0 } message ? message : null;
    }
}
