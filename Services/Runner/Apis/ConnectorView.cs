using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Runner.Apis;

public sealed record RetryView(int MaxAttempts, TimeSpan InitialDelay, double Multiplier, TimeSpan MaxDelay, bool Jitter);

/// <summary>An HTTP connector's request. The secret header's value is never shown: only whether one is stored.</summary>
public sealed record HttpView(string Url, string Method, IReadOnlyDictionary<string, string> Headers, string? SecretHeader, bool HasSecret);

/// <param name="Origin">Where it is defined: <c>configuration</c> (replaced and deleted only there; may be paused here) or <c>api</c>.</param>
/// <param name="Problem">Why it is not scheduled although enabled, when something keeps it from running.</param>
public sealed record ConnectorView(
    string Name, string Kind, bool Enabled, string Origin, string Schedule, TimeSpan? Interval, string? Cron,
    TimeSpan ExpectedInterval, TimeSpan Timeout, RetryView Retry, HttpView? Http, string? Owner, IReadOnlyList<string> Tags,
    bool Running, LastRun? LastRun, DateTimeOffset? NextRunAt, string? Problem, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A page of the connector list, by name; <c>Total</c> counts every connector that matches the filters.</summary>
public sealed record ConnectorPage(IReadOnlyList<ConnectorView> Items, string? Cursor, int Total);

/// <summary>What <c>PATCH /api/connectors/{name}</c> changes: pauses (<c>false</c>) or resumes (<c>true</c>) the connector.</summary>
public sealed record ConnectorChange(bool Enabled);

/// <summary>The states the connector list filters by.</summary>
public static class ConnectorStates
{
    public const string Enabled = "enabled";
    public const string Paused = "paused";
    public const string Running = "running";
    public const string Failed = "failed";
    public const string Unschedulable = "unschedulable";

    public static readonly IReadOnlyList<string> All = [Enabled, Paused, Running, Failed, Unschedulable];

    public static bool Is(CatalogEntry entry, string state) => state switch
    {
        Enabled => entry.Options.Enabled,
        Paused => !entry.Options.Enabled,
        Running => entry.IsRunning,
        Failed => entry.LastRun?.Status == EnumNames.Name(RunStatus.Failed),
        Unschedulable => entry.Problem is not null,
        _ => false,
    };
}
