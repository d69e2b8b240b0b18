using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.Dashboard;

// The gateway's JSON, read into what the pages show. The services' own types are not referenced: the web UI knows
// only the REST API. Enums arrive as strings.

public sealed record RunSummary(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    int Attempts,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId);

public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? Cursor);

public sealed record RunFilter(string? Connector = null, string? Status = null, string? Source = null, DateTimeOffset? From = null,
    DateTimeOffset? To = null);

public sealed record RunDetail(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId,
    long PayloadBytes,
    bool PayloadTruncated,
    TimeSpan? ExpectedInterval,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<AttemptDetail> Attempts);

/// <summary>What drift recorded of a run: outcome, schema version, and that version's sample payload.</summary>
public sealed record RunSchema(
    Guid RunId, string Connector, DateTimeOffset FinishedAt, string Outcome, int? Version, bool FirstOfVersion, PayloadSample? Sample);

/// <summary>The payload of the run that first showed a schema version, as JSON text, maybe cut.</summary>
public sealed record PayloadSample(Guid RunId, string Json, bool Cut);

public sealed record AttemptDetail(
    int Number,
    DateTimeOffset StartedAt,
    double DurationMs,
    string Outcome,
    int? HttpStatus,
    string? ErrorType,
    string? ErrorMessage,
    double? RetryAfterMs,
    double? BackoffMs);

public sealed record StatusBoard(DateTimeOffset AsOf, IReadOnlyList<ConnectorStatus> Items);

public sealed record ConnectorStatus(
    string Connector,
    string State,
    IReadOnlyList<string> Reasons,
    Guid? LastRunId,
    DateTimeOffset? LastRunAt,
    string? LastRunStatus,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    int FailureStreak,
    TimeSpan? ExpectedInterval,
    int Runs24h,
    double? SuccessRate24h,
    double? RateLimitedRate24h,
    double? P95LatencyMs24h);

public sealed record DailyKpiReport(DateOnly From, DateOnly To, IReadOnlyList<DailyKpi> Items);

public sealed record DailyKpi(
    string Connector,
    DateOnly Day,
    int Runs,
    double SuccessRate,
    double RateLimitedRate,
    double MeanAttempts,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P95LatencyMs,
    double P99LatencyMs,
    double MaxLatencyMs);

public sealed record SystemOverview(string Status, IReadOnlyList<ServiceState> Services);

public sealed record ConnectorSchema(
    string Connector,
    string Compatibility,
    int? CurrentVersion,
    DateTimeOffset? CurrentSince,
    DateTimeOffset? LatestRunAt,
    IReadOnlyList<string> TopLevelKeys,
    IReadOnlyList<SchemaVersionSummary> Versions,
    SchemaOscillation? Oscillation);

public sealed record SchemaVersionSummary(
    int Version, string Fingerprint, int FieldCount, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long RunCount, bool Partial);

public sealed record SchemaOscillation(bool Ongoing, IReadOnlyList<int> Between, int Flips, DateTimeOffset Since, DateTimeOffset LastFlipAt);

public sealed record DriftEvent(
    long EventId,
    string Connector,
    Guid RunId,
    DateTimeOffset FinishedAt,
    int? FromVersion,
    int? ToVersion,
    string Kind,
    bool Oscillating,
    bool Breaking,
    string Action,
    string Summary,
    IReadOnlyList<SchemaChange> Changes,
    IReadOnlyList<string> ContractViolations,
    DateTimeOffset DetectedAt);

public sealed record SchemaChange(string Path, string Kind, string? Before, string? After, bool Breaking, string? PreviousPath = null, bool Guess = false);

public sealed record DriftEventPage(IReadOnlyList<DriftEvent> Items, string? Cursor);

public sealed record RunStarted(Guid RunId);
