using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>A failed run of the current failure streak.</summary>
internal sealed record FailedRun(Guid RunId, DateTimeOffset FinishedAt);

/// <summary>A successful run: a point of the latency baseline, or a run judged against it.</summary>
internal sealed record SuccessfulRun(Guid RunId, DateTimeOffset FinishedAt, double LatencyMs);

/// <summary>What the rules read about one connector (<see cref="ConnectorFactsReader"/>).</summary>
internal sealed class ConnectorFacts
{
    public DateTimeOffset? FirstSeenAt { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public TimeSpan? ExpectedInterval { get; set; }

    /// <summary>The failed runs since the last success, newest first.</summary>
    public List<FailedRun> FailureStreak { get; } = [];
    public string? LastErrorType { get; set; }
    public string? LastErrorMessage { get; set; }
    public SloWindows SloWindows { get; set; } = new(default, default, default, default, default);
    public WindowCounts RateLimitWindow { get; set; }

    /// <summary>The latest successful runs, oldest first: the latency baseline and the runs judged against it.</summary>
    public List<SuccessfulRun> RecentSuccesses { get; } = [];
}
