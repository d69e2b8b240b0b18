using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConnectorHealth.Contracts;

/// <summary>Where a run came from.</summary>
public enum RunSource
{
    Scheduled,
    Triggered,
    Reported,
}

public enum RunStatus
{
    Succeeded,
    Failed,

    /// <summary>Stopped before it finished, by a person or its scheduler (OpenLineage ABORT): neither a success nor a failure.</summary>
    Aborted,
}

public enum AttemptOutcome
{
    Succeeded,
    Failed,
    RateLimited,
    TimedOut,
}

/// <summary>One try of a connector within a run.</summary>
public sealed record RunAttempt(
    int Number,
    DateTimeOffset StartedAt,
    double DurationMs,
    AttemptOutcome Outcome,
    int? HttpStatus = null,
    string? ErrorType = null,
    string? ErrorMessage = null,
    TimeSpan? RetryAfterHonoured = null,
    TimeSpan? BackoffApplied = null);

/// <summary>
/// One connector run, published once it has finished. <see cref="RunId"/> is the idempotency key: consumers
/// must treat a second message with the same id as the same run.
/// </summary>
public sealed record RunCompleted
{
    public required Guid RunId { get; init; }
    public required string Connector { get; init; }
    public required RunSource Source { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required RunStatus Status { get; init; }
    public required double LatencyMs { get; init; }
    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];
    public bool RateLimited { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>The payload the run fetched, capped in size (see <see cref="PayloadTruncated"/>).</summary>
    public JsonElement? Payload { get; init; }
    public bool PayloadTruncated { get; init; }
    public long PayloadBytes { get; init; }

    /// <summary>Why the payload was cut or cleaned (size, depth, keys, string length, invalid text); empty when whole.</summary>
    public IReadOnlyList<string> PayloadTruncationReasons { get; init; } = [];

    /// <summary>The connector's schedule interval, so consumers can judge freshness; optional for reported runs.</summary>
    public TimeSpan? ExpectedInterval { get; init; }

    /// <summary>
    /// Who owns the connector (a team or a person) as its catalog or its report says; alerts are routed by it. Null says
    /// nothing: consumers keep the owner they know. Left out of the JSON when null, so a run without one reads and hashes
    /// as before owners existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Owner { get; init; }

    /// <summary>The connector's tags (<see cref="RunDefinition.TagRule"/>); null says nothing, as for <see cref="Owner"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>
    /// What an OpenLineage producer said of the run (job, parent, datasets); null for runs that did not come from
    /// OpenLineage events. Left out of the JSON when null, so other runs read and hash as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RunLineage? Lineage { get; init; }
}
